//! The engine's in-memory view of every resource: state, the task holding it, and the tasks in
//! flight. It is loaded from the store at start and changed only together with a store commit.

use std::collections::HashMap;
use switchboard_core::{Action, Lifecycle, TaskId};
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub(crate) struct NodeState {
    pub state: Lifecycle,
    pub claim: Option<(TaskId, Action)>,
    pub last_error: Option<String>,
}

/// A task that has been accepted and not yet finished.
pub(crate) struct ActiveTask {
    pub targets: Vec<usize>,
    pub action: Action,
    pub only_self: bool,
    /// `None` until the task's row is durable, then whether it was.
    pub committed: watch::Receiver<Option<bool>>,
}

pub(crate) struct World {
    pub nodes: Vec<NodeState>,
    pub active: HashMap<TaskId, ActiveTask>,
}

impl World {
    /// The in-flight task doing exactly this request, if any.
    pub fn identical(
        &self,
        targets: &[usize],
        action: Action,
        only_self: bool,
    ) -> Option<(TaskId, &ActiveTask)> {
        let first = *targets.first()?;
        let (task, claimed) = self.nodes[first].claim?;
        let active = self.active.get(&task)?;
        (claimed == action
            && active.action == action
            && active.only_self == only_self
            && active.targets == targets)
            .then_some((task, active))
    }
}
