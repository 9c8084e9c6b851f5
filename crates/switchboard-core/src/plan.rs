//! Turns one requested operation into a DAG of steps.
//!
//! Start (and restart) plans run dependencies first; stop plans run dependents first. A resource
//! already claimed by another task for the same action becomes a `Follow` step that waits for
//! that task's outcome instead of acting twice; a claim for a different action is a conflict.

use crate::graph::DependencyGraph;
use crate::lifecycle::{Action, Lifecycle};
use crate::task::TaskId;

/// What the planner needs to know about one resource right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceView {
    pub state: Lifecycle,
    /// The task (and its action) that currently holds this resource, if any.
    pub claim: Option<(TaskId, Action)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMode {
    /// Call the driver.
    Run,
    /// Another task is already doing this action on the resource: wait for its outcome.
    Follow(TaskId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStep {
    /// Graph node of the resource.
    pub node: usize,
    pub action: Action,
    pub mode: StepMode,
    /// Indices (into `Plan::steps`) of the steps that must be done first.
    pub after: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<PlannedStep>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{resource} is busy: command {task} is running {action:?} on it")]
    Conflict {
        resource: String,
        task: TaskId,
        action: Action,
    },
}

/// Plans `action` on `target`; `view(node)` reports each resource's current state and claim.
pub fn plan_operation(
    graph: &DependencyGraph,
    target: usize,
    action: Action,
    only_self: bool,
    view: impl Fn(usize) -> ResourceView,
) -> Result<Plan, PlanError> {
    let forward = matches!(action, Action::Start | Action::Restart);
    let mut members: Vec<usize> = vec![target];
    if !only_self {
        match action {
            Action::Start => members.extend(graph.transitive_deps(target)),
            Action::Stop => members.extend(graph.transitive_dependents(target)),
            Action::Restart => members.extend(
                graph
                    .transitive_dependents(target)
                    .into_iter()
                    .filter(|&n| view(n).state == Lifecycle::Running),
            ),
        }
    }
    members.retain(|&n| view(n).state.needs(action));
    // Steps are listed in the order they can run: dependencies first for start and restart,
    // dependents first for stop.
    members.sort_unstable_by_key(|&n| {
        let rank = graph.rank(n);
        if forward {
            rank
        } else {
            usize::MAX - rank
        }
    });

    // Claims by another action are conflicts; the target is checked first, so that a conflict
    // names what was asked for when it is busy itself.
    let target_first = members
        .iter()
        .copied()
        .filter(|&n| n == target)
        .chain(members.iter().copied().filter(|&n| n != target));
    for node in target_first {
        if let Some((task, claimed)) = view(node).claim {
            if claimed != action || action == Action::Restart {
                return Err(PlanError::Conflict {
                    resource: graph.name(node).to_string(),
                    task,
                    action: claimed,
                });
            }
        }
    }
    let mut steps = Vec::with_capacity(members.len());
    for &node in &members {
        let mode = match view(node).claim {
            None => StepMode::Run,
            Some((task, _)) => StepMode::Follow(task),
        };
        // Prerequisites: the members this one must wait for, transitively, so that a member
        // whose direct neighbour is already in the right state still waits for the rest.
        let before = if forward {
            graph.transitive_deps(node)
        } else {
            graph.transitive_dependents(node)
        };
        let after = members
            .iter()
            .enumerate()
            .filter(|(_, m)| before.binary_search(m).is_ok())
            .map(|(i, _)| i)
            .collect();
        steps.push(PlannedStep {
            node,
            action,
            mode,
            after,
        });
    }
    Ok(Plan { steps })
}

#[cfg(test)]
mod tests;
