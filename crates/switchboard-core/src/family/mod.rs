//! Each family's own words for the one lifecycle: MRS Manager's service status (`Normal`,
//! `Stopped`, …), Nova's and BMS's server `status` (`ACTIVE`, `SHUTOFF`, `HARD_REBOOT`, …),
//! DBSS's instance status and Live's flow status. The families' answers, the native resource
//! list and the event stream all take them from here, so they cannot disagree.

pub mod nova;

use crate::inventory::ResourceKind;
use crate::lifecycle::Lifecycle;

/// The API family that presents a kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// MRS Manager: cluster services.
    Mrs,
    /// Nova and BMS: servers.
    Nova,
    /// DBSS: DB O&M instances.
    Dbss,
    /// Live: flows.
    Live,
}

impl Family {
    pub fn of(kind: ResourceKind) -> Family {
        match kind {
            ResourceKind::ClusterService => Family::Mrs,
            ResourceKind::Server => Family::Nova,
            ResourceKind::DbomInstance => Family::Dbss,
            ResourceKind::Flow => Family::Live,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Mrs => "mrs",
            Family::Nova => "nova",
            Family::Dbss => "dbss",
            Family::Live => "live",
        }
    }
}

/// The word `kind`'s family shows for `state`.
pub fn status_word(kind: ResourceKind, state: Lifecycle) -> &'static str {
    match Family::of(kind) {
        Family::Mrs => mrs_status(state),
        Family::Nova => nova::NovaState::of(state).status(),
        Family::Dbss => dbss_status(state).0,
        Family::Live => live_status(state),
    }
}

/// MRS Manager's display name of a service status.
pub fn mrs_status(state: Lifecycle) -> &'static str {
    use Lifecycle::*;
    match state {
        Running => "Normal",
        Stopped => "Stopped",
        Starting | Restarting => "Starting",
        Stopping => "Stopping",
        StartFailed | RestartFailed => "Failed to Start",
        StopFailed => "Stop Failed",
        Unknown => "Unknown",
    }
}

/// DBSS's `status` and `task_status` of an instance.
pub fn dbss_status(state: Lifecycle) -> (&'static str, &'static str) {
    match state {
        Lifecycle::Stopped => ("SHUTOFF", "NO_TASK"),
        Lifecycle::Starting => ("SHUTOFF", "powering-on"),
        Lifecycle::Running => ("ACTIVE", "NO_TASK"),
        Lifecycle::Stopping => ("ACTIVE", "powering-off"),
        Lifecycle::Restarting => ("ACTIVE", "rebooting"),
        Lifecycle::StartFailed
        | Lifecycle::StopFailed
        | Lifecycle::RestartFailed
        | Lifecycle::Unknown => ("ERROR", "NO_TASK"),
    }
}

/// Live's flow status: ACTIVE (running) or STANDBY (not started).
pub fn live_status(state: Lifecycle) -> &'static str {
    match state {
        Lifecycle::Running | Lifecycle::Stopping | Lifecycle::StopFailed => "ACTIVE",
        _ => "STANDBY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_names_every_state() {
        let kinds = [
            (ResourceKind::ClusterService, "mrs", "Normal", "Stopped"),
            (ResourceKind::Server, "nova", "ACTIVE", "SHUTOFF"),
            (ResourceKind::DbomInstance, "dbss", "ACTIVE", "SHUTOFF"),
            (ResourceKind::Flow, "live", "ACTIVE", "STANDBY"),
        ];
        for (kind, family, running, stopped) in kinds {
            assert_eq!(Family::of(kind).as_str(), family);
            assert_eq!(status_word(kind, Lifecycle::Running), running);
            assert_eq!(status_word(kind, Lifecycle::Stopped), stopped);
            for state in Lifecycle::ALL {
                assert!(!status_word(kind, state).is_empty());
            }
        }
        let server = ResourceKind::Server;
        assert_eq!(status_word(server, Lifecycle::Restarting), "HARD_REBOOT");
        assert_eq!(status_word(server, Lifecycle::StartFailed), "ERROR");
        let service = ResourceKind::ClusterService;
        assert_eq!(status_word(service, Lifecycle::Starting), "Starting");
    }
}
