//! `[events]`: the event stream's history and subscribers (`GET /switchboard/v1/events`).

use anyhow::{bail, Result};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Events kept for clients to resume from (the newest; pruned in batches of 1024 beyond).
    pub retention: u64,
    /// Events a stream may fall behind by before it reads them back from the database.
    pub buffer: usize,
    /// Event streams open at once; beyond them a new one is refused with 503.
    pub max_subscribers: usize,
    /// Interval of the `: keep-alive` comment on an otherwise quiet stream.
    #[serde(with = "humantime_serde")]
    pub keep_alive: Duration,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            retention: 100_000,
            buffer: 4096,
            max_subscribers: 10_000,
            keep_alive: Duration::from_secs(15),
        }
    }
}

impl EventsConfig {
    pub fn validate(&self) -> Result<()> {
        if self.retention == 0 || self.buffer == 0 || self.max_subscribers == 0 {
            bail!("events.retention, events.buffer and events.max_subscribers must be at least 1");
        }
        if self.keep_alive.is_zero() {
            bail!("events.keep_alive must be longer than zero");
        }
        Ok(())
    }
}
