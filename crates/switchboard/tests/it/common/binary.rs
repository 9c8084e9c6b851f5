//! The real `switchboard` binary on a loopback port, for crash tests (`kill -9`).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Crash-Test-Password-1";
pub const PROJECT: &str = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub async fn start(data_dir: &Path, port: u16) -> Server {
        Server::start_with(data_dir, port, &[]).await
    }

    pub async fn start_with(data_dir: &Path, port: u16, extra: &[&str]) -> Server {
        let server = Server::launch(data_dir, port, extra, &[]);
        server.wait_up(Duration::from_secs(30)).await;
        server
    }

    /// Starts the server without waiting for it to serve (a standby replica does not, yet).
    pub fn launch(data_dir: &Path, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--sim-speed",
                "3",
                "--data-dir",
            ])
            .arg(data_dir)
            .args(extra)
            .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Whether it serves: 503 while it starts (see `startup`), 200 once up.
    pub async fn is_up(&self) -> bool {
        reqwest::get(format!("{}/health", self.base))
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    pub async fn wait_up(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.is_up().await {
            assert!(Instant::now() < deadline, "server did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the process to end by itself; its status.
    pub async fn exited(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends `signal` (`STOP`, `CONT`, …) to the process.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
    }

    pub fn kill9(mut self) {
        // SIGKILL: no shutdown hooks, no flushing — like a crash.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A token of the admin in the demo project (through the typed client's login).
pub async fn token(base: &str) -> String {
    let login = switchboard_client::Login {
        url: base,
        user: "admin",
        password: PASSWORD,
        domain: "switchboard",
        project: Some(PROJECT),
    };
    switchboard_client::login(&login).await.unwrap().token
}

/// GET `path` with the token.
async fn get_with(base: &str, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap()
}

pub async fn get(base: &str, token: &str, path: &str) -> Value {
    get_with(base, token, path).await.json().await.unwrap()
}

/// The server's `/metrics` text, read with the token.
pub async fn metrics(base: &str, token: &str) -> String {
    get_with(base, token, "/metrics")
        .await
        .text()
        .await
        .unwrap()
}

/// POST `body` as JSON with the token; the JSON answer.
pub async fn post(base: &str, token: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("X-Auth-Token", token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

impl Server {
    /// The server's process id (for reading its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// A configuration in `dir`: the demo plus cluster 2 of three services a ← b ← c, each written
/// by `service(name, its dependencies)` as a TOML inline table.
pub fn demo_with_chain(dir: &Path, service: impl Fn(&str, &str) -> String) -> PathBuf {
    let cluster = format!(
        "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"chain\"\nversion = \"3.1.0\"\n\
         services = [ {}, {}, {} ]\n",
        service("a", ""),
        service("b", "\"a\""),
        service("c", "\"b\"")
    );
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, format!("{}\n{cluster}", switchboard::config::DEMO)).unwrap();
    path
}
