//! The real `switchboard` binary as a client (the CLI) against a real server, with a home
//! directory of its own so profiles never touch the developer's.

use super::binary::{self, Server};
use std::path::Path;
use std::process::{Command, Output};

/// A CLI user: a fresh home and config directory, a server URL.
pub struct Cli {
    pub home: tempfile::TempDir,
    pub url: String,
}

/// What a CLI run gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON (`-o json`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Cli {
    pub fn new(url: &str) -> Cli {
        Cli {
            home: tempfile::tempdir().unwrap(),
            url: url.to_string(),
        }
    }

    /// `$XDG_CONFIG_HOME` of this user.
    pub fn config_home(&self) -> std::path::PathBuf {
        self.home.path().join("config")
    }

    /// The binary with this user's environment (nothing inherited that names a credential).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        c.args(args)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("SWITCHBOARD_URL", &self.url)
            .env("NO_COLOR", "1")
            .env_remove("SWITCHBOARD_TOKEN")
            .env_remove("SWITCHBOARD_PASSWORD")
            .env_remove("SWITCHBOARD_ACCESS_KEY")
            .env_remove("SWITCHBOARD_SECRET_KEY")
            .env_remove("SWITCHBOARD_PROJECT_ID");
        c
    }

    /// Runs `args` to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    /// Runs `args`, expecting exit code 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "{args:?}: stdout {}\nstderr {}",
            r.stdout, r.stderr
        );
        r
    }

    /// `switchboard login` as admin with the password from the environment.
    pub fn login(&self) -> Run {
        let r: Run = self
            .command(&["login", "--user", "admin", "--domain", "switchboard"])
            .env("SWITCHBOARD_PASSWORD", binary::PASSWORD)
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 0, "login: {}\n{}", r.stdout, r.stderr);
        r
    }
}

/// A server from the demo with `extra` appended to its configuration (fault rules).
pub async fn server_with(dir: &Path, extra: &str) -> Server {
    let config = dir.join("switchboard.toml");
    std::fs::write(&config, format!("{}\n{extra}", switchboard::config::DEMO)).unwrap();
    let config = config.to_string_lossy().into_owned();
    Server::start_with(dir, binary::free_port(), &["--config", &config]).await
}

/// A logged-in CLI user of a fresh demo server (with `extra` configuration).
pub async fn setup(extra: &str) -> (tempfile::TempDir, Server, Cli) {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with(dir.path(), extra).await;
    let cli = Cli::new(&server.base);
    cli.login();
    (dir, server, cli)
}
