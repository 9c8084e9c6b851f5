//! What an operation would do: the plan `submit` decides on, shared by both, and
//! [`Engine::preview`], which computes it under the same lock without claiming or writing
//! anything (the console shows it before the user confirms).

use crate::submit::SubmitError;
use crate::world::World;
use crate::Engine;
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_core::plan::ResourceView;
use switchboard_core::{
    plan_operation, Action, PlanError, PlannedStep, ResourceSpec, StepMode, TaskId,
};
use tokio::sync::watch;

/// What `submit` does with a request, decided against the world as it stands.
pub(crate) enum Planned {
    /// An identical operation is in flight: its task (and whether its row became durable).
    Existing(TaskId, watch::Receiver<Option<bool>>),
    /// A resource it needs is busy with another operation.
    Refused(SubmitError),
    /// The steps of a new task (none: nothing to do).
    Steps(Vec<PlannedStep>),
}

/// The targets' graph nodes and what an operation on them would do; an unknown (or deleted)
/// target is an error.
pub(crate) fn decide(
    world: &World,
    targets: &[String],
    action: Action,
    only_self: bool,
) -> Result<(Vec<usize>, Planned), SubmitError> {
    let mut nodes = Vec::with_capacity(targets.len());
    for t in targets {
        let node = world
            .index_of(t)
            .ok_or_else(|| SubmitError::UnknownResource(t.clone()))?;
        nodes.push(node);
    }
    if let Some((task_id, active)) = world.identical(&nodes, action, only_self) {
        let planned = Planned::Existing(task_id, active.committed.clone());
        return Ok((nodes, planned));
    }
    let planned = match merged_plan(world, &nodes, action, only_self) {
        Ok(steps) => Planned::Steps(steps),
        Err(PlanError::Conflict {
            resource,
            task,
            action,
        }) => Planned::Refused(SubmitError::Conflict {
            resource,
            task,
            action,
        }),
    };
    Ok((nodes, planned))
}

/// One plan for several targets: the union of each target's plan, each resource once.
fn merged_plan(
    world: &World,
    targets: &[usize],
    action: Action,
    only_self: bool,
) -> Result<Vec<PlannedStep>, PlanError> {
    let view = |n: usize| ResourceView {
        state: world.nodes[n].state,
        claim: world.nodes[n].claim,
    };
    let mut merged: Vec<PlannedStep> = Vec::new();
    // Where each resource's step is in `merged`: one plan is a single pass, not a search.
    let mut position: HashMap<usize, usize> = HashMap::new();
    for &t in targets {
        let plan = plan_operation(&world.graph, t, action, only_self, view)?;
        let first_plan = merged.is_empty();
        let base: Vec<usize> = plan
            .steps
            .iter()
            .map(|s| {
                *position.entry(s.node).or_insert_with(|| {
                    merged.push(PlannedStep {
                        after: Vec::new(),
                        ..s.clone()
                    });
                    merged.len() - 1
                })
            })
            .collect();
        for (s, &at) in plan.steps.iter().zip(&base) {
            if first_plan {
                merged[at].after = s.after.iter().map(|&a| base[a]).collect();
                continue;
            }
            for &a in &s.after {
                if !merged[at].after.contains(&base[a]) {
                    merged[at].after.push(base[a]);
                }
            }
        }
    }
    Ok(merged)
}

/// The plan an operation would get now.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The steps of the task `submit` would create, in order (empty when there is nothing to
    /// do, or when `existing_task` is set).
    pub steps: Vec<PreviewStep>,
    /// The in-flight task doing exactly this, which `submit` would return instead.
    pub existing_task: Option<TaskId>,
}

/// One step of a previewed plan.
#[derive(Debug, Clone)]
pub struct PreviewStep {
    pub resource: Arc<ResourceSpec>,
    pub action: Action,
    /// `Some(task)`: the step would wait for that in-flight task instead of acting itself.
    pub follow_task: Option<TaskId>,
    /// Indices of the steps that must finish first.
    pub after: Vec<usize>,
}

impl Engine {
    /// What [`Engine::submit`] would plan for `action` on `targets` at this moment, decided
    /// the same way (same lock, same plan, same identical-in-flight rule), claiming and
    /// writing nothing. A conflict is the error `submit` would answer.
    pub fn preview(
        &self,
        targets: &[String],
        action: Action,
        only_self: bool,
    ) -> Result<Preview, SubmitError> {
        let world = self.inner.lock();
        let (_, planned) = decide(&world, targets, action, only_self)?;
        match planned {
            Planned::Existing(task, _) => Ok(Preview {
                steps: Vec::new(),
                existing_task: Some(task),
            }),
            Planned::Refused(err) => Err(err),
            Planned::Steps(steps) => Ok(Preview {
                steps: steps
                    .into_iter()
                    .map(|s| PreviewStep {
                        resource: world.specs[s.node].clone(),
                        action: s.action,
                        follow_task: match s.mode {
                            StepMode::Follow(t) => Some(t),
                            StepMode::Run => None,
                        },
                        after: s.after,
                    })
                    .collect(),
                existing_task: None,
            }),
        }
    }
}
