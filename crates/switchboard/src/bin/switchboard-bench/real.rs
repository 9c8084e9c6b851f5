//! The real release binary (`target/release/switchboard serve`) on a generated configuration:
//! spawn it, time it to `/ready`, log in like a client, read its memory and CPU from /proc.

use crate::inventory::{self, Shape};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Bench-Password-1";
/// Shared by a leader and its standbys on PostgreSQL (`accept-wrk --replicas`).
pub const MASTER_KEY: &str = "switchboard-bench master key";

/// The server binary: `SWITCHBOARD_BIN`, else `switchboard` next to this bench.
pub fn binary() -> Result<PathBuf> {
    if let Ok(path) = std::env::var("SWITCHBOARD_BIN") {
        return Ok(path.into());
    }
    let path = std::env::current_exe()?.with_file_name("switchboard");
    if !path.exists() {
        bail!(
            "{} not found: cargo build --release -p switchboard --bins (or set SWITCHBOARD_BIN)",
            path.display()
        );
    }
    Ok(path)
}

/// A loopback port nobody listens on now.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Writes the configuration for `shape` into `dir/switchboard.toml` (data in `dir/data`).
pub fn write_config(dir: &Path, shape: &Shape, log: &str) -> Result<(PathBuf, PathBuf)> {
    let data = dir.join("data");
    let config = dir.join("switchboard.toml");
    let listen = format!("127.0.0.1:{}", free_port()?);
    std::fs::write(&config, inventory::toml(shape, &listen, &data, log))?;
    Ok((config, data))
}

pub struct Server {
    child: Child,
    pub base: String,
    pub pid: u32,
    pub token: String,
    /// Process spawn to the first 200 from `/ready`.
    pub cold_start: Duration,
}

impl Server {
    /// Spawns `serve --config config` (stderr appended to `log`) and waits for `/ready`.
    pub async fn start(config: &Path, log: &Path) -> Result<Server> {
        let text = std::fs::read_to_string(config)?;
        let listen = text
            .lines()
            .find_map(|l| l.strip_prefix("listen = \""))
            .and_then(|l| l.strip_suffix('"'))
            .context("no listen line in the generated config")?;
        let base = format!("http://{listen}");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let started = Instant::now();
        let child = Command::new(binary()?)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
            .env("SWITCHBOARD_MASTER_KEY", MASTER_KEY)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()?;
        let pid = child.id();
        let mut server = Server {
            child,
            base,
            pid,
            token: String::new(),
            cold_start: Duration::ZERO,
        };
        let http = reqwest::Client::new();
        let deadline = started + Duration::from_secs(600);
        loop {
            if let Ok(r) = http.get(format!("{}/ready", server.base)).send().await {
                if r.status() == 200 {
                    break;
                }
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited with {status}; see {}", log.display());
            }
            if Instant::now() > deadline {
                bail!("the server was not ready after 600 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.cold_start = started.elapsed();
        let session = switchboard_client::login(&switchboard_client::Login {
            url: &server.base,
            user: "admin",
            password: PASSWORD,
            domain: "switchboard",
            project: Some("local-1"),
        })
        .await?;
        server.token = session.token;
        Ok(server)
    }

    /// (VmRSS, VmHWM) in MiB.
    pub fn memory_mib(&self) -> Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let kib = |key: &str| -> Result<f64> {
            let line = status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .with_context(|| format!("no {key} in /proc/PID/status"))?;
            Ok(line.trim().trim_end_matches("kB").trim().parse::<f64>()? / 1024.0)
        };
        Ok((kib("VmRSS:")?, kib("VmHWM:")?))
    }

    /// CPU time the server has used (user + system).
    pub fn cpu(&self) -> Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the command (which may hold spaces) start after the last ')'.
        let rest = stat.rsplit_once(')').context("bad /proc/PID/stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
        // USER_HZ is 100 on every Linux architecture the bench runs on.
        Ok(Duration::from_millis(ticks * 10))
    }

    /// An authenticated GET; its status and body.
    pub async fn get(&self, http: &reqwest::Client, path: &str) -> Result<(u16, String)> {
        let r = http
            .get(format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            .send()
            .await?;
        Ok((r.status().as_u16(), r.text().await?))
    }

    /// Waits until every task has finished: none `IN_PROGRESS` in the store. The engine's
    /// `switchboard_tasks_in_flight` gauge is not enough: it drops when a task's end is decided,
    /// while the end is committed (and the task's claims released) with background priority,
    /// which can lag seconds behind a stream of accepts.
    pub async fn wait_idle(&self, http: &reqwest::Client) -> Result<Duration> {
        let started = Instant::now();
        loop {
            let (status, text) = self
                .get(http, "/switchboard/v1/tasks?state=IN_PROGRESS&limit=1")
                .await?;
            if status != 200 {
                bail!("the task list answered {status}: {text}");
            }
            let body: serde_json::Value = serde_json::from_str(&text)?;
            if body["tasks"].as_array().is_some_and(Vec::is_empty) {
                // The claims are released right after the end is committed.
                tokio::time::sleep(Duration::from_millis(20)).await;
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(900) {
                bail!("tasks still in progress after 900 s: {text}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, like a crash.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
