//! Fault rules, changed at run time through `/switchboard/v1/faults` and loaded at start from
//! `[[sim.faults]]`: their shape (LocalStack's Chaos API plus Switchboard's scopes and effects),
//! their structural checks, and the [`FaultBook`] that matches requests and steps against them.
//! Names of actions and operations are checked by the API (it knows the permission table).

mod book;
mod scope;

pub use book::{ApiHit, FaultBook, FaultSink, FaultUse, StepHit};
pub use scope::{step_actions, RequestFacts, StepFacts};

use crate::Millis;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The families a rule may name (`service` is LocalStack's word for the same thing).
pub const FAMILIES: &[&str] = &[
    "mrs", "nova", "dbss", "live", "bms", "iam", "native", "glance",
];
/// Families whose operations run steps on resources (the only ones a driver fault can reach).
pub const STEP_FAMILIES: &[&str] = &["mrs", "nova", "dbss", "live", "bms"];
/// Most rules kept at once.
pub const MAX_RULES: usize = 1000;
/// Longest `latency_ms` accepted (one minute).
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Longest `driver.take_ms` accepted (one day).
pub const MAX_TAKE_MS: u64 = 86_400_000;

/// One rule: where it applies (every field set must match), how often, and what it does.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Unique; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// LocalStack's name for `family`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `mrs`, `nova`, `dbss`, `live`, `bms`, `iam`, `native` (or `glance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The last word of an action name (`start`, `reboot`, `list`), case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A project named after a region (`cn-north-4`, or its sub-projects `cn-north-4_x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// An action name of the permission table; `*` matches any run of characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// A project id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// A resource id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Chance (0–1) that a matching request or step is hit; always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Makes `probability` replayable: the n-th match of the rule is hit or not by (seed, n).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Hit the next N matches, then retire (leave the list; its firings stay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<i64>,
    /// Delay the answer by this much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Answer with this error instead of acting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FaultError>,
    /// Act on the operation's steps instead (simulated resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<DriverFault>,
    /// Ids of the projects `project` names, filled by the API before the rule is kept.
    #[serde(skip)]
    pub project_ids: Option<Vec<String>>,
    /// Ids of the projects `region` names, filled likewise.
    #[serde(skip)]
    pub region_ids: Option<Vec<String>>,
}

/// The error an API fault answers with, in the family's own envelope.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultError {
    /// 400–599; 500 when absent.
    #[serde(
        rename = "statusCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status_code: Option<u16>,
    /// The family's error code (`DBSS.00000001`, `BMS.0001`, an MRS number); a generic one
    /// of the family when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a driver fault does to a step: exactly one of the three.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverFault {
    /// Fail with this message (a default one when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<String>,
    /// Never finish, until the task is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hang: Option<bool>,
    /// Take this long instead of the resource's usual duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_ms: Option<u64>,
}

/// What a step hit by a driver fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepFault {
    /// Fail; `None` for the default message.
    Fail(Option<String>),
    Hang,
    Take(Duration),
}

impl DriverFault {
    /// The step effect; `None` unless exactly one effect is set.
    pub fn effect(&self) -> Option<StepFault> {
        match (&self.fail, self.hang, self.take_ms) {
            (Some(m), None | Some(false), None) => {
                Some(StepFault::Fail(Some(m.clone()).filter(|m| !m.is_empty())))
            }
            (None, Some(true), None) => Some(StepFault::Hang),
            (None, None | Some(false), Some(ms)) => {
                Some(StepFault::Take(Duration::from_millis(ms)))
            }
            _ => None,
        }
    }
}

/// A rule as kept: the rule (with its id) and how often it matched and fired.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRule {
    pub rule: FaultRule,
    pub matched: u64,
    pub fired: u64,
}

/// One firing of a rule: which request or step, when, on what.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FaultFiring {
    /// Numbered by the store (0 before).
    pub seq: i64,
    pub rule_id: String,
    pub at: Millis,
    pub family: String,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub project_id: Option<String>,
    /// The API request hit (API faults).
    pub request_id: Option<String>,
    /// The step hit (driver faults): the engine's operation id of the step.
    pub step: Option<String>,
    /// The principal whose request was hit.
    pub principal: Option<String>,
    /// `error`, `latency`, `error+latency`, `fail`, `hang` or `take`.
    pub effect: String,
}

/// A rule that cannot be kept, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    /// `rules[2].probability`, `rules[0].error.statusCode`, …
    pub field: String,
    pub message: String,
}

impl RuleError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        RuleError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl FaultRule {
    /// Checks the rule's shape (not its names: see the API's checks); `at` is its index.
    pub fn check_shape(&self, at: usize) -> Result<(), RuleError> {
        let field = |name: &str| format!("rules[{at}].{name}");
        for (name, value) in [("family", &self.family), ("service", &self.service)] {
            if let Some(f) = value {
                if !FAMILIES.contains(&f.as_str()) {
                    return Err(RuleError::new(
                        field(name),
                        format!("unknown family {f:?} (one of {})", FAMILIES.join(", ")),
                    ));
                }
            }
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) || !p.is_finite() {
                return Err(RuleError::new(
                    field("probability"),
                    "must be between 0 and 1",
                ));
            }
        }
        if let Some(t) = self.times {
            if t < 1 {
                return Err(RuleError::new(field("times"), "must be a positive number"));
            }
        }
        if self.latency_ms.is_some_and(|l| l > MAX_LATENCY_MS) {
            return Err(RuleError::new(
                field("latency_ms"),
                format!("must be at most {MAX_LATENCY_MS}"),
            ));
        }
        if let Some(e) = &self.error {
            if e.status_code.is_some_and(|s| !(400..=599).contains(&s)) {
                return Err(RuleError::new(
                    field("error.statusCode"),
                    "must be between 400 and 599",
                ));
            }
        }
        if let Some(d) = &self.driver {
            if self.error.is_some() || self.latency_ms.is_some() {
                return Err(RuleError::new(
                    field("driver"),
                    "a rule has either a driver fault or an API fault (error, latency_ms), not both",
                ));
            }
            if d.effect().is_none() {
                return Err(RuleError::new(
                    field("driver"),
                    "set exactly one of fail, hang (true), take_ms",
                ));
            }
            if d.take_ms.is_some_and(|t| t > MAX_TAKE_MS) {
                return Err(RuleError::new(
                    field("driver.take_ms"),
                    format!("must be at most {MAX_TAKE_MS}"),
                ));
            }
            for f in [&self.family, &self.service].into_iter().flatten() {
                if !STEP_FAMILIES.contains(&f.as_str()) {
                    return Err(RuleError::new(
                        field("driver"),
                        format!("{f} operations have no steps for a driver fault"),
                    ));
                }
            }
        } else if self.error.is_none() && self.latency_ms.is_none() {
            return Err(RuleError::new(
                field("error"),
                "a rule needs an effect: error, latency_ms or driver",
            ));
        }
        if self
            .id
            .as_ref()
            .is_some_and(|i| i.is_empty() || i.len() > 128)
        {
            return Err(RuleError::new(field("id"), "must be 1 to 128 characters"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
