//! `[server]`: connection limits and timeouts of the HTTP listener.

use serde::Deserialize;
use std::time::Duration;

/// File descriptors kept back from the connection cap for the database, logs, the listener and
/// driven processes.
const FD_RESERVE: u64 = 128;
/// Upper bound of the derived connection cap.
const MAX_DERIVED: u64 = 65_536;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Connections served at once; further ones wait in the listen backlog. `None`: derived from
    /// the file-descriptor limit (`connection_cap`).
    pub max_connections: Option<usize>,
    /// Time a client has to send a whole request head once its first byte arrived.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A connection with no request in progress and nothing received for this long is closed.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// Time the whole request body may take to arrive, counted from the request head.
    #[serde(with = "humantime_serde")]
    pub body_read_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: None,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

impl ServerConfig {
    /// `max_connections`, or `max(limit / 2, limit - 128)` capped at 65 536 where `limit` is the
    /// soft `RLIMIT_NOFILE`: the cap is reached well before the process runs out of descriptors.
    pub fn connection_cap(&self) -> usize {
        self.max_connections
            .unwrap_or_else(|| derived_cap(fd_soft_limit()))
    }
}

/// The cap for a soft descriptor limit of `limit`.
pub fn derived_cap(limit: u64) -> usize {
    let cap = (limit / 2).max(limit.saturating_sub(FD_RESERVE));
    cap.clamp(1, MAX_DERIVED) as usize
}

fn fd_soft_limit() -> u64 {
    #[cfg(unix)]
    if let Ok((soft, _)) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    {
        return soft;
    }
    1024
}
