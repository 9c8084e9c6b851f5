//! The real binary with full control over its environment, limits and output, for tests of how
//! it starts, refuses to start and holds up under hostile connections.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: `SWITCHBOARD_BIN` (to measure another build) or this crate's.
pub fn binary() -> PathBuf {
    std::env::var_os("SWITCHBOARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_switchboard")))
}

/// `switchboard serve` on 127.0.0.1:`port` with `data_dir`, stdout and stderr to files in
/// `out_dir`, no admin password or master key from the environment unless `password` is given.
pub fn serve(data_dir: &Path, port: u16, out_dir: &Path, password: Option<&str>) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--sim-speed", "3", "--data-dir"])
        .arg(data_dir);
    redirect(&mut cmd, out_dir);
    cmd.env_remove("SWITCHBOARD_ADMIN_PASSWORD")
        .env_remove("SWITCHBOARD_MASTER_KEY")
        .env_remove("SWITCHBOARD_CONFIG");
    if let Some(p) = password {
        cmd.env("SWITCHBOARD_ADMIN_PASSWORD", p);
    }
    cmd
}

/// The same, run under `prlimit --nofile=N:N` (util-linux).
pub fn serve_with_fd_limit(
    limit: u32,
    data_dir: &Path,
    port: u16,
    out_dir: &Path,
    password: &str,
    config: &Path,
) -> Command {
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--nofile={limit}:{limit}"))
        .arg("--")
        .arg(binary())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--sim-speed", "3", "--data-dir"])
        .arg(data_dir)
        .arg("--config")
        .arg(config)
        .env("SWITCHBOARD_ADMIN_PASSWORD", password);
    redirect(&mut cmd, out_dir);
    cmd
}

fn redirect(cmd: &mut Command, out_dir: &Path) {
    let file = |name: &str| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out_dir.join(name))
            .unwrap()
    };
    cmd.stdin(Stdio::null())
        .stdout(file("stdout.txt"))
        .stderr(file("stderr.txt"));
}

/// What the runs so far wrote to stdout and stderr.
pub fn output(out_dir: &Path) -> (String, String) {
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap_or_default();
    (read("stdout.txt"), read("stderr.txt"))
}

/// A configuration file: the demo with `extra` TOML appended.
pub fn config_file(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, format!("{}\n{extra}\n", switchboard::config::DEMO)).unwrap();
    path
}

/// A started server, killed when dropped.
pub struct Running {
    pub child: Child,
    pub base: String,
}

impl Running {
    /// Spawns `cmd` and waits until `/health` answers on `port`.
    pub async fn start(mut cmd: Command, port: u16) -> Running {
        let mut running = Running {
            child: cmd.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        // 503 while it starts (see `startup`): up means 200.
        while !reqwest::get(format!("{}/health", running.base))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                running.child.try_wait().unwrap().is_none(),
                "the server exited"
            );
            assert!(Instant::now() < deadline, "server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd` to its end (at most `limit`), returning its exit status and how long it took.
pub async fn run_to_exit(mut cmd: Command, limit: Duration) -> (ExitStatus, Duration) {
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command was still running after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
