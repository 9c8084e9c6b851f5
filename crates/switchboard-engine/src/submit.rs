//! Accepting an operation: plan it against the current world, claim its resources, and make the
//! task durable before answering. Decisions are serialized by the world lock; commits of
//! concurrent submissions share one transaction in the store.

use crate::preview::{decide, Planned};
use crate::world::ActiveTask;
use crate::{events, Engine, EngineError};
use std::sync::Arc;
use switchboard_core::{now_millis, Action, ResourceSpec, StepMode, StepState, TaskId, TaskState};
use switchboard_store::{AuditRecord, Priority, StepRecord, StoreError, TaskRecord, Write};
use tokio::sync::{oneshot, watch};

/// Most times an operation is decided again after a claim refused it in the database.
const CLAIM_RACES: usize = 3;

/// One requested lifecycle operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub project_id: String,
    /// Which family asked (`mrs.service`, …); kept on the task.
    pub kind: String,
    /// Resource ids; usually one.
    pub targets: Vec<String>,
    pub action: Action,
    pub only_self: bool,
    pub principal: String,
    pub request_id: String,
    /// Where the request came from, for the audit trail.
    pub source: Option<String>,
    /// Action name recorded in the audit trail (`mrs:service:start`).
    pub audit_action: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub task_id: TaskId,
    pub state: TaskState,
    /// False when an identical operation was already in flight and its task is returned.
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("unknown resource {0}")]
    UnknownResource(String),
    #[error("{resource} is busy: command {task} is running {} on it", action.as_str())]
    Conflict {
        resource: String,
        task: TaskId,
        action: Action,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl Engine {
    /// Accepts `op`: returns once its task is durable (or the identical in-flight task is).
    pub async fn submit(&self, op: Operation) -> Result<Submitted, SubmitError> {
        let _gate = self.inner.gate.read().await;
        // A claim of another replica's task, refusing the accept in the database, may have
        // gone by the time it is looked at: the operation is then decided again.
        for _ in 0..CLAIM_RACES {
            if let Some(submitted) = self.submit_once(&op).await? {
                return Ok(submitted);
            }
        }
        Err(EngineError::Internal("the resources' claims kept changing".into()).into())
    }

    /// `submit`, or `None` to decide again.
    async fn submit_once(&self, op: &Operation) -> Result<Option<Submitted>, SubmitError> {
        let inner = &self.inner;
        let decided = 'decided: {
            let mut guard = inner.lock();
            let world = &mut *guard;
            let (targets, planned) = decide(world, &op.targets, op.action, op.only_self)?;
            match planned {
                Planned::Existing(task_id, committed) => Decision::Existing(task_id, committed),
                Planned::Refused(err) => Decision::Refused(err),
                Planned::Steps(steps) => {
                    let Some(id) = inner.ids.take() else {
                        break 'decided Decision::NoIds;
                    };
                    // Read with the id, under the lock: tasks are created in the order of
                    // their ids (a resource's history pages by id).
                    let now = now_millis();
                    let mut errors = Vec::with_capacity(steps.len());
                    let mut records = Vec::with_capacity(steps.len());
                    let mut specs = Vec::with_capacity(steps.len());
                    for (idx, s) in steps.iter().enumerate() {
                        specs.push(world.specs[s.node].clone());
                        let node = &mut world.nodes[s.node];
                        records.push(StepRecord {
                            task_id: id,
                            idx,
                            resource_id: world.specs[s.node].id.clone(),
                            action: s.action,
                            follow_task: match s.mode {
                                StepMode::Follow(t) => Some(t),
                                StepMode::Run => None,
                            },
                            after: s.after.clone(),
                            state: StepState::Pending,
                            attempts: 0,
                            prior_state: node.state,
                            expected_ms: world.drivers[s.node]
                                .expected_duration(&world.specs[s.node], s.action)
                                .as_millis() as i64,
                            started_at: None,
                            finished_at: None,
                            error: None,
                            output: None,
                        });
                        // The pending state is shown, not written: its row would be rewritten
                        // when the step ends, and recovery shows it again from the steps.
                        if s.mode == StepMode::Run {
                            node.claim = Some((id, s.action));
                            node.state = s.action.pending_state();
                            node.updated_at = now;
                            errors.push(node.last_error.clone());
                        }
                    }
                    let state = if steps.is_empty() {
                        TaskState::Complete
                    } else {
                        TaskState::InProgress
                    };
                    let (tx, rx) = watch::channel(None);
                    if !steps.is_empty() {
                        world.active.insert(
                            id,
                            ActiveTask {
                                targets: targets.clone(),
                                claimed: steps
                                    .iter()
                                    .filter(|s| s.mode == StepMode::Run)
                                    .map(|s| s.node)
                                    .collect(),
                                action: op.action,
                                only_self: op.only_self,
                                committed: rx,
                            },
                        );
                    }
                    let task = TaskRecord {
                        id,
                        project_id: op.project_id.clone(),
                        kind: op.kind.clone(),
                        action: op.action,
                        target_id: op.targets.first().cloned(),
                        targets: op.targets.clone(),
                        only_self: op.only_self,
                        principal: op.principal.clone(),
                        request_id: op.request_id.clone(),
                        state,
                        progress: if steps.is_empty() { 100.0 } else { 0.0 },
                        error: None,
                        created_at: now,
                        updated_at: now,
                        finished_at: steps.is_empty().then_some(now),
                        cancel_requested: false,
                        executor: crate::executors::executor_of(inner, world, &records),
                    };
                    let writes = vec![Write::InsertTask {
                        task: task.clone(),
                        steps: records.clone(),
                    }];
                    Decision::New(Box::new(Accepted {
                        task,
                        steps: records,
                        specs,
                        errors,
                        writes,
                        committed: tx,
                    }))
                }
            }
        };
        match decided {
            Decision::Existing(task_id, mut committed) => {
                let ok = committed
                    .wait_for(|c| c.is_some())
                    .await
                    .map(|c| *c == Some(true));
                match ok {
                    Ok(true) => Ok(Some(Submitted {
                        task_id,
                        state: TaskState::InProgress,
                        created: false,
                    })),
                    // Its commit failed (a claim in the database refused it, say): decided
                    // again, this operation may be the one accepted, or is refused on its own.
                    Ok(false) => Ok(None),
                    Err(_) => Err(SubmitError::Engine(EngineError::Store(
                        switchboard_store::StoreError::Closed,
                    ))),
                }
            }
            Decision::Refused(err) => self.refuse(op, err).await,
            Decision::NoIds => {
                inner
                    .ids
                    .renew(inner.store.as_ref(), true)
                    .await
                    .map_err(EngineError::from)?;
                Ok(None)
            }
            Decision::New(accepted) => {
                let Accepted {
                    task,
                    steps,
                    specs,
                    errors,
                    mut writes,
                    committed,
                } = *accepted;
                announce(&task, &steps, &specs, errors, &mut writes);
                writes.push(Write::Audit(audit_record(
                    op,
                    task.created_at,
                    Some(task.id),
                    "accepted".into(),
                )));
                // The rest runs on its own task: if the caller goes away while the commit is
                // under way, the commit may still land, and its task must run all the same.
                // That one task then runs the accepted task too: one spawn per accept.
                let (task_id, state) = (task.id, task.state);
                let inner = self.inner.clone();
                let (reply, accepted) = oneshot::channel();
                tokio::spawn(async move {
                    if let Err(err) = inner.store.commit(writes, Priority::Answer).await {
                        crate::runner::abandon(&inner, &task, &steps);
                        let _ = committed.send(Some(false));
                        let _ = reply.send(Err(err));
                        return;
                    }
                    let _ = committed.send(Some(true));
                    inner.notify_changed();
                    // Cancellable before the caller hears of it. An engine that does not run
                    // it holds the task's claims until the task's end reaches it.
                    let runs = crate::executors::mine(&inner, task.executor) && !steps.is_empty();
                    let signals = runs.then(|| crate::runner::register(&inner, task.id));
                    let _ = reply.send(Ok(()));
                    if let Some(signals) = signals {
                        crate::runner::run(inner, task, steps, signals).await;
                    }
                });
                match accepted.await {
                    Ok(Ok(())) => {
                        tracing::info!(
                            task = task_id,
                            request_id = %op.request_id,
                            principal = %op.principal,
                            kind = %op.kind,
                            action = %op.action.as_str(),
                            targets = %op.targets.join(","),
                            only_self = op.only_self,
                            state = %state.as_str(),
                            "task accepted"
                        );
                        Ok(Some(Submitted {
                            task_id,
                            state,
                            created: true,
                        }))
                    }
                    Ok(Err(StoreError::Claimed { resource, task })) => {
                        self.claimed(op, resource, task).await
                    }
                    // Another replica deleted it, which this one has not heard of yet.
                    Ok(Err(StoreError::Deleted { resource })) => {
                        Err(SubmitError::UnknownResource(resource))
                    }
                    Ok(Err(err)) => Err(EngineError::from(err).into()),
                    Err(_) => {
                        Err(EngineError::Internal("the accepting task ended early".into()).into())
                    }
                }
            }
        }
    }
}

enum Decision {
    Existing(TaskId, watch::Receiver<Option<bool>>),
    Refused(SubmitError),
    New(Box<Accepted>),
    /// The block of task ids is used up: another is reserved, then the operation decided again.
    NoIds,
}

/// A new task decided on, still to be made durable.
struct Accepted {
    task: TaskRecord,
    steps: Vec<StepRecord>,
    /// The resource of each step.
    specs: Vec<Arc<ResourceSpec>>,
    /// The last error of each claimed resource (the steps that run), for its event.
    errors: Vec<Option<String>>,
    writes: Vec<Write>,
    committed: watch::Sender<Option<bool>>,
}

/// The events of an accepted task, rendered outside the world lock: the task, the resources
/// it claimed, and its end at once when it has nothing to do.
fn announce(
    task: &TaskRecord,
    steps: &[StepRecord],
    specs: &[Arc<ResourceSpec>],
    errors: Vec<Option<String>>,
    writes: &mut Vec<Write>,
) {
    let name = |s: &StepRecord| specs[s.idx].name.clone();
    writes.push(events::task("task.created", task, steps, name));
    let run = steps
        .iter()
        .zip(specs)
        .filter(|(s, _)| s.follow_task.is_none());
    for ((s, spec), error) in run.zip(errors) {
        let state = s.action.pending_state();
        let event = events::resource(spec, state, Some(task.id), error.as_deref(), Some(task.id));
        writes.push(event);
    }
    if steps.is_empty() {
        writes.push(events::task("task.finished", task, steps, name));
    }
}

impl Engine {
    /// Refuses `op` for `err`, on the audit trail first.
    pub(crate) async fn refuse(
        &self,
        op: &Operation,
        err: SubmitError,
    ) -> Result<Option<Submitted>, SubmitError> {
        let audit = audit_record(op, now_millis(), None, format!("refused: {err}"));
        self.inner
            .store
            .commit(vec![Write::Audit(audit)], Priority::Answer)
            .await
            .map_err(EngineError::from)?;
        Err(err)
    }
}

fn audit_record(op: &Operation, at: i64, task: Option<TaskId>, outcome: String) -> AuditRecord {
    AuditRecord {
        id: 0,
        at,
        principal: op.principal.clone(),
        project_id: Some(op.project_id.clone()),
        action: op.audit_action.clone(),
        target: Some(op.targets.join(",")),
        request_id: op.request_id.clone(),
        source: op.source.clone(),
        outcome,
        detail: task.map(|t| format!("task {t}, only_self={}", op.only_self)),
    }
}
