//! Settings of the simulated world and its fault rules.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use switchboard_core::faults::{DriverFault, FaultRule};
use switchboard_core::Action;

/// `[sim]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Every simulated duration is divided by this.
    pub speed: f64,
    /// Seed of the jitter: the same seed gives the same durations.
    pub seed: u64,
    /// Relative jitter, 0.0–1.0: a 1 s step with 0.25 takes 0.75–1.25 s.
    pub jitter: f64,
    /// Durations of resources that set none of their own.
    #[serde(with = "humantime_serde")]
    pub start: Duration,
    #[serde(with = "humantime_serde")]
    pub stop: Duration,
    #[serde(with = "humantime_serde")]
    pub restart: Duration,
    /// Fault rules, applied in order; the first that matches an operation decides its fate.
    pub faults: Vec<SimFault>,
    /// The action log is compacted into a snapshot once it passes this many bytes (and the
    /// snapshot's size).
    pub compact_log_bytes: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            speed: 1.0,
            seed: 42,
            jitter: 0.25,
            start: Duration::from_millis(1500),
            stop: Duration::from_millis(1000),
            restart: Duration::from_millis(2000),
            faults: Vec::new(),
            compact_log_bytes: 16 * 1024 * 1024,
        }
    }
}

/// "Fail the next N starts of X with message M", "hang", "take T seconds".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimFault {
    /// Resource id (`mrs.1.HDFS`) or name (`HDFS`).
    pub resource: String,
    /// Only this action; all actions when absent.
    #[serde(default)]
    pub action: Option<Action>,
    /// Fail the next N matching operations.
    #[serde(default)]
    pub fail_next: Option<u32>,
    /// The failure's message.
    #[serde(default)]
    pub message: Option<String>,
    /// Never finish matching operations.
    #[serde(default)]
    pub hang: bool,
    /// Take this long instead of the resource's usual duration.
    #[serde(default, with = "humantime_serde")]
    pub take: Option<Duration>,
}

impl SimFault {
    /// The same rule as a fault rule of the book, with id `sim-fault-<index>` (the index the
    /// action log of older versions recorded its uses under).
    pub fn to_rule(&self, index: usize) -> FaultRule {
        let driver = if self.hang {
            DriverFault {
                hang: Some(true),
                ..DriverFault::default()
            }
        } else if let Some(take) = self.take {
            DriverFault {
                take_ms: Some(take.as_millis() as u64),
                ..DriverFault::default()
            }
        } else {
            DriverFault {
                fail: Some(self.message.clone().unwrap_or_default()),
                ..DriverFault::default()
            }
        };
        FaultRule {
            id: Some(config_rule_id(index)),
            resource: Some(self.resource.clone()),
            operation: self.action.map(|a| a.as_str().to_string()),
            times: self.fail_next.map(i64::from),
            driver: Some(driver),
            ..FaultRule::default()
        }
    }

    pub fn matches(&self, id: &str, name: &str, action: Action) -> bool {
        (self.resource == id || self.resource == name) && self.action.is_none_or(|a| a == action)
    }

    /// Checks that the rule says exactly one thing.
    pub fn validate(&self) -> Result<(), String> {
        let kinds = [self.fail_next.is_some(), self.hang, self.take.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(format!(
                "sim fault for {}: set exactly one of fail_next, hang, take",
                self.resource
            ));
        }
        Ok(())
    }
}

/// The id of the `index`-th `[[sim.faults]]` rule in the fault book.
pub fn config_rule_id(index: usize) -> String {
    format!("sim-fault-{index}")
}

/// Per-resource durations, from the resource's `config` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimResourceConfig {
    #[serde(default, with = "humantime_serde")]
    pub start: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub stop: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub restart: Option<Duration>,
}
