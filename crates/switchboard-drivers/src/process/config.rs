//! A resource's `config` table for the process driver.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    /// The program, found on `PATH` when not a path.
    pub command: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub workdir: Option<PathBuf>,
    /// When the process counts as ready; as soon as it runs when absent.
    #[serde(default)]
    pub ready: Option<Probe>,
    /// Longest a start may take until ready.
    #[serde(default = "start_timeout", with = "humantime_serde")]
    pub start_timeout: Duration,
    /// Signal sent to the process group first (`TERM`, `INT`, `QUIT`, `HUP`).
    #[serde(default = "term")]
    pub stop_signal: String,
    /// Wait after the stop signal before SIGKILL.
    #[serde(default = "grace", with = "humantime_serde")]
    pub grace: Duration,
    /// Logs larger than this are rotated (to `.1`) when the process starts.
    #[serde(default = "max_log_bytes")]
    pub max_log_bytes: u64,
}

/// Exactly one of `tcp` (an address to connect to), `http` (a URL whose GET must answer
/// `status`, 200 by default) or `command` (a shell command that must exit 0).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    #[serde(default)]
    pub tcp: Option<String>,
    #[serde(default)]
    pub http: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub command: Option<String>,
    /// How long one probe may take.
    #[serde(default = "probe_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// How often the probe runs while waiting for readiness.
    #[serde(default = "probe_interval", with = "humantime_serde")]
    pub interval: Duration,
}

fn term() -> String {
    "TERM".into()
}

fn start_timeout() -> Duration {
    Duration::from_secs(60)
}

fn grace() -> Duration {
    Duration::from_secs(10)
}

fn max_log_bytes() -> u64 {
    10 * 1024 * 1024
}

fn probe_interval() -> Duration {
    Duration::from_millis(250)
}

fn probe_timeout() -> Duration {
    Duration::from_secs(2)
}

impl ProcessConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.command.is_empty() {
            return Err("command is required".into());
        }
        crate::process::proc::signal_named(&self.stop_signal)?;
        if let Some(p) = &self.ready {
            let kinds = [p.tcp.is_some(), p.http.is_some(), p.command.is_some()];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err("ready needs exactly one of tcp, http, command".into());
            }
            if let Some(url) = &p.http {
                if !url.starts_with("http://") {
                    return Err(format!("ready.http must be an http:// URL, not {url}"));
                }
            }
        }
        Ok(())
    }
}
