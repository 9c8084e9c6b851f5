//! The simulated world's log entries: what it performed, how each action ends, and counts.

use serde::{Deserialize, Serialize};
use switchboard_core::{Action, Lifecycle, Millis};

/// How a simulated operation ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Fail(String),
    Hang,
}

/// One line of `sim/actions.jsonl`: an action the simulated world performed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The entry's number. A journal's entry has it outside (the journal numbers its entries
    /// in commit order across replicas).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seq: u64,
    pub at_ms: Millis,
    /// Left out in the snapshot, which keeps entries under their resource.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
    pub action: Action,
    /// The caller's operation id; the same id is never performed twice.
    pub op: String,
    pub until_ms: Millis,
    pub outcome: Outcome,
    /// Index of the `[[sim.faults]]` rule that shaped this action (older logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<usize>,
    /// Id of the fault rule that shaped this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Not an action but a state reset: the resource is in this state from now on (a state
    /// reset or a snapshot restore), `outcome` holding a failed state's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Lifecycle>,
    /// A `manual` progression: the action ends once its resource was read this many times
    /// (`until_ms` is then the end of time until a release entry says otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<u32>,
    /// Not an action: the release of the manual action `op` names, which ended at `until_ms`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub release: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How many actions of each kind were performed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performed {
    #[serde(default)]
    pub start: u64,
    #[serde(default)]
    pub stop: u64,
    #[serde(default)]
    pub restart: u64,
}

impl Performed {
    /// The count of `action`.
    pub fn of(&self, action: Action) -> u64 {
        match action {
            Action::Start => self.start,
            Action::Stop => self.stop,
            Action::Restart => self.restart,
        }
    }

    pub(crate) fn add(&mut self, action: Action) {
        match action {
            Action::Start => self.start += 1,
            Action::Stop => self.stop += 1,
            Action::Restart => self.restart += 1,
        }
    }
}
