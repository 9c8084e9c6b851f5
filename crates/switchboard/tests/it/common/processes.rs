//! Real processes for process-driver tests: a service definition, and a guard that kills
//! whatever a failed test left behind.

use serde_json::json;
use std::path::{Path, PathBuf};
use switchboard_core::inventory::ServiceSpec;
use switchboard_core::Lifecycle;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP server on `port` that refuses to start unless every port in `needs` answers, and is
/// ready when it answers itself. The shell stays the group leader, with `marker` in its command
/// line for counting.
pub fn http_service(name: &str, port: u16, deps: &[(&str, u16)], marker: &str) -> ServiceSpec {
    let checks: String = deps
        .iter()
        .map(|(_, p)| {
            format!(
                "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {p}), 1)' && "
            )
        })
        .collect();
    ServiceSpec {
        name: name.into(),
        depends_on: deps.iter().map(|(d, _)| d.to_string()).collect(),
        state: Lifecycle::Stopped,
        driver: "process".into(),
        config: json!({
            "command": "sh",
            "args": ["-c", format!("{checks}python3 -m http.server {port} --bind 127.0.0.1 --directory /tmp; : {marker}-{name}")],
            "ready": {"http": format!("http://127.0.0.1:{port}/")},
            "grace": "5s",
        }),
    }
}

/// How many live processes carry `needle` in their command line.
pub fn count_processes(needle: &str) -> usize {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .chars()
                        .all(|c| c.is_ascii_digit())
                })
                .filter(|e| {
                    std::fs::read(e.path().join("cmdline"))
                        .map(|c| {
                            String::from_utf8_lossy(&c)
                                .replace('\0', " ")
                                .contains(needle)
                        })
                        .unwrap_or(false)
                })
                .count()
        })
        .unwrap_or(0)
}

/// Kills, on drop, every process group recorded under `DATA_DIR/process`.
pub struct KillOnDrop(pub PathBuf);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        kill_recorded(&self.0.join("process"));
    }
}

fn kill_recorded(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        // Signal the group directly: `kill -9 -N` reads a small N as a signal number and then
        // signals every process.
        if let Some(pid) = v["pid"].as_i64().filter(|&p| p > 1) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
