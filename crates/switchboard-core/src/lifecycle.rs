//! The one internal lifecycle every family renders in its own vocabulary.

use serde::{Deserialize, Serialize};

/// What an operation does to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Start,
    Stop,
    Restart,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Restart => "restart",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "start" => Some(Action::Start),
            "stop" => Some(Action::Stop),
            "restart" => Some(Action::Restart),
            _ => None,
        }
    }

    /// "starting", "stopping", "restarting".
    pub fn progressive(self) -> &'static str {
        match self {
            Action::Start => "starting",
            Action::Stop => "stopping",
            Action::Restart => "restarting",
        }
    }

    /// "started", "stopped", "restarted".
    pub fn past(self) -> &'static str {
        match self {
            Action::Start => "started",
            Action::Stop => "stopped",
            Action::Restart => "restarted",
        }
    }

    /// The transitional state a resource shows while this action is pending or running.
    pub fn pending_state(self) -> Lifecycle {
        match self {
            Action::Start => Lifecycle::Starting,
            Action::Stop => Lifecycle::Stopping,
            Action::Restart => Lifecycle::Restarting,
        }
    }

    /// The state the resource reaches when the action succeeds.
    pub fn target_state(self) -> Lifecycle {
        match self {
            Action::Start | Action::Restart => Lifecycle::Running,
            Action::Stop => Lifecycle::Stopped,
        }
    }

    /// The state the resource is left in when the action fails.
    pub fn failed_state(self) -> Lifecycle {
        match self {
            Action::Start => Lifecycle::StartFailed,
            Action::Stop => Lifecycle::StopFailed,
            Action::Restart => Lifecycle::RestartFailed,
        }
    }
}

/// Lifecycle of a managed resource:
/// `stopped → starting → running → stopping → stopped`, `running → restarting → running`,
/// a failed state per action, and `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Stopped,
    Starting,
    Running,
    Stopping,
    Restarting,
    StartFailed,
    StopFailed,
    RestartFailed,
    Unknown,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 9] = [
        Lifecycle::Stopped,
        Lifecycle::Starting,
        Lifecycle::Running,
        Lifecycle::Stopping,
        Lifecycle::Restarting,
        Lifecycle::StartFailed,
        Lifecycle::StopFailed,
        Lifecycle::RestartFailed,
        Lifecycle::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Stopped => "stopped",
            Lifecycle::Starting => "starting",
            Lifecycle::Running => "running",
            Lifecycle::Stopping => "stopping",
            Lifecycle::Restarting => "restarting",
            Lifecycle::StartFailed => "start_failed",
            Lifecycle::StopFailed => "stop_failed",
            Lifecycle::RestartFailed => "restart_failed",
            Lifecycle::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Lifecycle> {
        Lifecycle::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn is_transitional(self) -> bool {
        matches!(
            self,
            Lifecycle::Starting | Lifecycle::Stopping | Lifecycle::Restarting
        )
    }

    pub fn is_failed(self) -> bool {
        matches!(
            self,
            Lifecycle::StartFailed | Lifecycle::StopFailed | Lifecycle::RestartFailed
        )
    }

    /// Whether an operation `action` has any work to do on a resource in this state.
    pub fn needs(self, action: Action) -> bool {
        match action {
            Action::Start => self != Lifecycle::Running,
            Action::Stop => self != Lifecycle::Stopped,
            Action::Restart => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_names_round_trip() {
        for l in Lifecycle::ALL {
            assert_eq!(Lifecycle::parse(l.as_str()), Some(l));
        }
        assert_eq!(Lifecycle::parse("bogus"), None);
    }

    #[test]
    fn start_of_running_and_stop_of_stopped_are_no_ops() {
        assert!(!Lifecycle::Running.needs(Action::Start));
        assert!(!Lifecycle::Stopped.needs(Action::Stop));
        assert!(Lifecycle::StartFailed.needs(Action::Start));
        assert!(Lifecycle::StartFailed.needs(Action::Stop));
    }
}
