use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `[engine]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// How long one attempt of a step may take, readiness included.
    #[serde(with = "humantime_serde")]
    pub step_timeout: Duration,
    /// Further attempts after a failed one.
    pub step_retries: u32,
    /// Wait before the first retry; doubled for each further one.
    #[serde(with = "humantime_serde")]
    pub retry_backoff: Duration,
    /// How often resources of real drivers (processes) are looked at while no task holds them.
    #[serde(with = "humantime_serde")]
    pub monitor_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            step_timeout: Duration::from_secs(300),
            step_retries: 2,
            retry_backoff: Duration::from_millis(500),
            monitor_interval: Duration::from_secs(2),
        }
    }
}
