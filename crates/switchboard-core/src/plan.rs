//! Turns one requested operation into a DAG of steps.
//!
//! Start (and restart) plans run dependencies first; stop plans run dependents first. A resource
//! already claimed by another task for the same action becomes a `Follow` step that waits for
//! that task's outcome instead of acting twice; a claim for a different action is a conflict.

use crate::graph::DependencyGraph;
use crate::lifecycle::{Action, Lifecycle};
use crate::task::TaskId;
use std::collections::{HashMap, HashSet};

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
    let afters = nearest_members(graph, target, action, forward, &members);
    let steps = members
        .iter()
        .zip(afters)
        .map(|(&node, after)| PlannedStep {
            node,
            action,
            mode: match view(node).claim {
                None => StepMode::Run,
                Some((task, _)) => StepMode::Follow(task),
            },
            after,
        })
        .collect();
    Ok(Plan { steps })
}

/// For each member (in `members`' order, which runs prerequisites first), the indices of the
/// nearest members it must wait for: those reachable along prerequisite edges (dependencies
/// going forward, dependents going backward) through non-members only. A member whose direct
/// neighbour is already in the right state still waits for the members beyond it, and the
/// transitive closure of these lists is exactly "every member it transitively needs".
///
/// Every path between two members stays within the target's closure (`universe`), so the
/// walk is over the resources involved, in prerequisite-first order: each node's nearest
/// members are the union of its prerequisites' (a member stands for itself). Only
/// non-members keep their sets; the cost is O(V + E) times the size of those sets, which is
/// one for chains and small in practice.
fn nearest_members(
    graph: &DependencyGraph,
    target: usize,
    action: Action,
    forward: bool,
    members: &[usize],
) -> Vec<Vec<usize>> {
    if members.len() < 2 {
        return vec![Vec::new(); members.len()];
    }
    let prerequisites = |n: usize| {
        if forward {
            graph.deps(n)
        } else {
            graph.dependents(n)
        }
    };
    let mut universe = match action {
        Action::Start => graph.transitive_deps(target),
        Action::Stop | Action::Restart => graph.transitive_dependents(target),
    };
    universe.push(target);
    universe.sort_unstable_by_key(|&n| {
        let rank = graph.rank(n);
        if forward {
            rank
        } else {
            usize::MAX - rank
        }
    });
    let step_of: HashMap<usize, usize> = members.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let inside: HashSet<usize> = universe.iter().copied().collect();
    // The nearest members of each non-member seen so far.
    let mut through: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut afters = vec![Vec::new(); members.len()];
    // `seen[j] == i`: member j is already in the list being built for node number i.
    let mut seen = vec![usize::MAX; members.len()];
    for (i, &node) in universe.iter().enumerate() {
        let mut near = Vec::new();
        for &p in prerequisites(node) {
            if !inside.contains(&p) {
                continue;
            }
            let found: &[usize] = match step_of.get(&p) {
                Some(j) => std::slice::from_ref(j),
                None => through.get(&p).map_or(&[], Vec::as_slice),
            };
            for &j in found {
                if seen[j] != i {
                    seen[j] = i;
                    near.push(j);
                }
            }
        }
        match step_of.get(&node) {
            Some(&at) => {
                near.sort_unstable();
                afters[at] = near;
            }
            None => {
                through.insert(node, near);
            }
        }
    }
    afters
}

#[cfg(test)]
mod tests;
