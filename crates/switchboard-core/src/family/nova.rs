//! Nova's view of the lifecycle: `vm_state`, `task_state`, power state and the `status`
//! derived from them with Nova's own table, and the `status` filter of server lists.

use crate::lifecycle::Lifecycle;

/// Nova's view of a lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NovaState {
    pub vm_state: &'static str,
    pub task_state: Option<&'static str>,
    pub power_state: u8,
}

/// nova.api.openstack.common's `_STATE_MAP`: (vm_state, task_state or `default`, status).
const STATE_MAP: &[(&str, &str, &str)] = &[
    ("active", "default", "ACTIVE"),
    ("active", "rebooting", "REBOOT"),
    ("active", "reboot_pending", "REBOOT"),
    ("active", "reboot_started", "REBOOT"),
    ("active", "rebooting_hard", "HARD_REBOOT"),
    ("active", "reboot_pending_hard", "HARD_REBOOT"),
    ("active", "reboot_started_hard", "HARD_REBOOT"),
    ("active", "updating_password", "PASSWORD"),
    ("active", "rebuilding", "REBUILD"),
    ("active", "rebuild_block_device_mapping", "REBUILD"),
    ("active", "rebuild_spawning", "REBUILD"),
    ("active", "migrating", "MIGRATING"),
    ("active", "resize_prep", "RESIZE"),
    ("active", "resize_migrating", "RESIZE"),
    ("active", "resize_migrated", "RESIZE"),
    ("active", "resize_finish", "RESIZE"),
    ("building", "default", "BUILD"),
    ("stopped", "default", "SHUTOFF"),
    ("stopped", "resize_prep", "RESIZE"),
    ("stopped", "resize_migrating", "RESIZE"),
    ("stopped", "resize_migrated", "RESIZE"),
    ("stopped", "resize_finish", "RESIZE"),
    ("stopped", "rebuilding", "REBUILD"),
    ("stopped", "rebuild_block_device_mapping", "REBUILD"),
    ("stopped", "rebuild_spawning", "REBUILD"),
    ("resized", "default", "VERIFY_RESIZE"),
    ("resized", "resize_reverting", "REVERT_RESIZE"),
    ("paused", "default", "PAUSED"),
    ("paused", "migrating", "MIGRATING"),
    ("suspended", "default", "SUSPENDED"),
    ("rescued", "default", "RESCUE"),
    ("error", "default", "ERROR"),
    ("error", "rebuilding", "REBUILD"),
    ("error", "rebuild_block_device_mapping", "REBUILD"),
    ("error", "rebuild_spawning", "REBUILD"),
    ("deleted", "default", "DELETED"),
    ("soft-delete", "default", "SOFT_DELETED"),
    ("shelved", "default", "SHELVED"),
    ("shelved_offloaded", "default", "SHELVED_OFFLOADED"),
];

/// The servers a `status` filter selects, as Nova's `task_and_vm_state_from_status`: the
/// vm_states and task_states of every status named (case-insensitively); a `default` among the
/// task states means any task state. `None` when no status is known.
pub struct StatusFilter {
    vm_states: Vec<&'static str>,
    task_states: Vec<&'static str>,
}

impl StatusFilter {
    pub fn parse(statuses: &[&str]) -> Option<StatusFilter> {
        let lower: Vec<String> = statuses.iter().map(|s| s.to_lowercase()).collect();
        let (mut vm_states, mut task_states) = (Vec::new(), Vec::new());
        for (vm, task, status) in STATE_MAP {
            if lower.iter().any(|s| *s == status.to_lowercase()) {
                vm_states.push(*vm);
                task_states.push(*task);
            }
        }
        (!vm_states.is_empty()).then_some(StatusFilter {
            vm_states,
            task_states,
        })
    }

    pub fn matches(&self, state: &NovaState) -> bool {
        self.vm_states.contains(&state.vm_state)
            && (self.task_states.contains(&"default")
                || state
                    .task_state
                    .is_some_and(|t| self.task_states.contains(&t)))
    }
}

impl NovaState {
    pub fn of(state: Lifecycle) -> NovaState {
        let (vm_state, task_state, power_state) = match state {
            Lifecycle::Stopped => ("stopped", None, 4),
            Lifecycle::Starting => ("stopped", Some("powering-on"), 4),
            Lifecycle::Running => ("active", None, 1),
            Lifecycle::Stopping => ("active", Some("powering-off"), 1),
            Lifecycle::Restarting => ("active", Some("reboot_started_hard"), 1),
            Lifecycle::StartFailed => ("error", None, 4),
            Lifecycle::StopFailed => ("error", None, 1),
            Lifecycle::RestartFailed | Lifecycle::Unknown => ("error", None, 0),
        };
        NovaState {
            vm_state,
            task_state,
            power_state,
        }
    }

    /// Nova's `status_from_state`.
    pub fn status(&self) -> &'static str {
        let task = self.task_state.unwrap_or("default");
        let row = |t: &str| {
            STATE_MAP
                .iter()
                .find(|(vm, task, _)| *vm == self.vm_state && *task == t)
                .map(|(_, _, status)| *status)
        };
        row(task).or_else(|| row("default")).unwrap_or("UNKNOWN")
    }
}
