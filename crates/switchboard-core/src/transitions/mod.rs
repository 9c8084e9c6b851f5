//! Controllable transitions of the simulated world (moto's progressions): how long a simulated
//! operation takes — at once (`immediate`), after some seconds of the simulated clock (`time`),
//! or after its resource has been read N times (`manual`) — set at run time per resource, kind,
//! family or project, the most specific setting winning. Also the simulated clock itself.

mod book;
mod clock;

pub use book::{ReadFacts, TransitionBook};
pub use clock::{SimClock, MAX_ADVANCE_SECONDS};

use crate::{Millis, ResourceKind};
use serde::{Deserialize, Serialize};

/// Longest `seconds` a `time` progression accepts (thirty days).
pub const MAX_SECONDS: f64 = 30.0 * 86_400.0;
/// Most reads a `manual` progression may wait for.
pub const MAX_TIMES: u32 = 1_000_000;
/// Most settings kept at once.
pub const MAX_SETTINGS: usize = 1000;
/// The families a setting may name.
pub const FAMILIES: &[&str] = &["mrs", "nova", "bms", "dbss", "live"];

/// How a simulated operation progresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Progression {
    /// Completes at once.
    Immediate,
    /// Completes after `times` reads of its resource.
    Manual,
    /// Completes after `seconds` of the simulated clock (the configured durations without).
    Time,
}

/// One setting, as given (exactly one scope field) and as kept (with its id and binding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Unique; `transition-<uuid>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A resource id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// A resource kind (`server`, `cluster_service`, `dbom_instance`, `flow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `mrs`, `nova`, `bms`, `dbss`, `live`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// A project id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub progression: Progression,
    /// `manual`: the reads to wait for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// `time`: the simulated seconds an operation takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// The resource `resource` names (its id), filled by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The project the setting applies in (a resource's, `project`'s, or the project
    /// administrator's who set it); every project when absent. Filled by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// When it was set.
    #[serde(default)]
    pub created_at: Millis,
}

/// What is wrong with a setting, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingError {
    pub field: String,
    pub message: String,
}

impl SettingError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SettingError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Transition {
    /// Checks everything that needs no lookup: one scope, a known family and kind, and the
    /// progression's own parameter.
    pub fn validate(&self) -> Result<(), SettingError> {
        let scopes = [
            self.resource.is_some(),
            self.kind.is_some(),
            self.family.is_some(),
            self.project.is_some(),
        ];
        match scopes.iter().filter(|s| **s).count() {
            1 => {}
            0 => {
                return Err(SettingError::new(
                    "resource",
                    "one of resource, kind, family, project is required",
                ))
            }
            _ => {
                return Err(SettingError::new(
                    "scope",
                    "give only one of resource, kind, family, project",
                ))
            }
        }
        if let Some(f) = &self.family {
            if !FAMILIES.contains(&f.as_str()) {
                return Err(SettingError::new(
                    "family",
                    format!("unknown family {f:?} (one of {})", FAMILIES.join(", ")),
                ));
            }
        }
        if let Some(k) = &self.kind {
            if ResourceKind::parse(k).is_none() {
                return Err(SettingError::new(
                    "kind",
                    format!("unknown kind {k:?} (server, cluster_service, dbom_instance, flow)"),
                ));
            }
        }
        match self.progression {
            Progression::Manual => match self.times {
                None => return Err(SettingError::new("times", "required for manual")),
                Some(0) => return Err(SettingError::new("times", "must be at least 1")),
                Some(n) if n > MAX_TIMES => {
                    return Err(SettingError::new("times", format!("at most {MAX_TIMES}")))
                }
                Some(_) => {}
            },
            _ if self.times.is_some() => {
                return Err(SettingError::new("times", "applies to manual only"))
            }
            _ => {}
        }
        match (self.progression, self.seconds) {
            (Progression::Time, Some(s)) if !s.is_finite() || !(0.0..=MAX_SECONDS).contains(&s) => {
                Err(SettingError::new(
                    "seconds",
                    format!("must be a number from 0 to {MAX_SECONDS}"),
                ))
            }
            (Progression::Time, _) | (_, None) => Ok(()),
            (_, Some(_)) => Err(SettingError::new("seconds", "applies to time only")),
        }
    }

    /// How specific the scope is: resource 4, kind 3, family 2, project 1.
    fn rank(&self) -> u8 {
        if self.resource.is_some() {
            4
        } else if self.kind.is_some() {
            3
        } else if self.family.is_some() {
            2
        } else {
            1
        }
    }

    fn covers(&self, facts: &ReadFacts) -> bool {
        let project = self
            .project_id
            .as_deref()
            .is_none_or(|p| p == facts.project_id);
        let scope = if let Some(r) = &self.resource {
            self.resource_id.as_deref() == Some(facts.resource_id.as_str())
                || *r == facts.resource_id
        } else if let Some(k) = &self.kind {
            k == facts.kind.as_str()
        } else if let Some(f) = &self.family {
            families_of(facts.kind).contains(&f.as_str())
        } else {
            true
        };
        project && scope
    }
}

/// The families serving resources of `kind`.
pub fn families_of(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::ClusterService => &["mrs"],
        ResourceKind::DbomInstance => &["dbss"],
        ResourceKind::Flow => &["live"],
        ResourceKind::Server => &["nova", "bms"],
    }
}

/// The setting deciding for a resource: the most specific; among equals, the latest set.
pub fn resolve<'a>(settings: &'a [Transition], facts: &ReadFacts) -> Option<&'a Transition> {
    settings
        .iter()
        .filter(|s| s.covers(facts))
        .max_by_key(|s| s.rank())
        .and_then(|best| {
            settings
                .iter()
                .rev()
                .find(|s| s.rank() == best.rank() && s.covers(facts))
        })
}

#[cfg(test)]
mod tests;
