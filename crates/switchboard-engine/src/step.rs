//! Running one step: call the driver, wait for readiness, retry with backoff; or, for a step
//! that follows another task, wait for that task's outcome on the resource.

use crate::{events, Inner};
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::{now_millis, Action, DriverError, Lifecycle, StepState, TaskId};
use switchboard_store::{OnDurable, Priority, StepRecord, Write};

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How a step held by a `hang` fault ends: its task was cancelled.
const CANCELLED_WHILE_HELD: &str = "cancelled while held by a hang fault";
const LEASE_GONE: &str = "this replica's lease may have expired; a live replica goes on with it";
/// A step left before it acted, beside the leader, once this replica can no longer act on its
/// resource (the leader set controls that shape the simulated world's actions): it stays
/// RUNNING, and the replica that claims the task next goes on with the same attempt.
const LEFT: &str = "left to the replica that claims the task next";

/// Runs `step` of `task` (of `project`) until it is DONE or FAILED and returns it. The start
/// of each attempt is queued before the driver is asked; the final state is left to the runner
/// to commit together with what follows from it.
pub(crate) async fn run(
    inner: &Arc<Inner>,
    task: TaskId,
    project: &str,
    mut step: StepRecord,
) -> StepRecord {
    let outcome = match (inner.index_of(&step.resource_id), step.follow_task) {
        (None, _) => Err(format!("unknown resource {}", step.resource_id)),
        // Following acts on nothing, so there is nothing to make durable before waiting;
        // it is announced as started all the same.
        (Some(node), Some(other)) => {
            let name = inner.lock().specs[node].name.clone();
            let started = StepRecord {
                state: StepState::Running,
                ..step.clone()
            };
            let event = events::step("step.started", project, &started, &name);
            inner.store.enqueue(vec![event]);
            follow(inner, node, step.action, other).await
        }
        (Some(node), None) => attempt_until_done(inner, task, project, node, &mut step).await,
    };
    step.finished_at = Some(now_millis());
    match outcome {
        Err(message) if message == LEFT => {
            step.state = StepState::Running;
            step.finished_at = None;
        }
        Ok(()) => {
            step.state = StepState::Done;
            step.error = None;
        }
        Err(message) if message.ends_with(CANCELLED_WHILE_HELD) => {
            step.state = StepState::Cancelled;
            step.error = Some(message);
        }
        Err(message) => {
            step.state = StepState::Failed;
            step.error = Some(message);
        }
    }
    step
}

async fn attempt_until_done(
    inner: &Arc<Inner>,
    task: TaskId,
    project: &str,
    node: usize,
    step: &mut StepRecord,
) -> Result<(), String> {
    // A step found RUNNING after a restart continues its current attempt: the operation id is
    // the same, so the driver does not act twice.
    let mut resume = step.state == StepState::Running && step.attempts > 0;
    loop {
        if !resume {
            step.attempts += 1;
            step.state = StepState::Running;
            step.started_at.get_or_insert_with(now_millis);
            // Not awaited: the operation id below depends only on the attempt number, so an
            // attempt whose start was not yet durable is recognised by the driver after a crash.
            let kind = if step.attempts == 1 {
                "step.started"
            } else {
                "step.retrying"
            };
            let name = inner.lock().specs[node].name.clone();
            let event = events::step(kind, project, step, &name);
            inner.store.enqueue(vec![update(step), event]);
        }
        resume = false;
        let op_id = switchboard_core::op_id(task, step.idx, step.attempts);
        let result = match dependencies_ready(inner, node, step.action).await {
            Err(message) => Err((message, false)),
            Ok(()) => attempt(inner, task, node, step.action, &op_id).await,
        };
        match result {
            Ok(output) => {
                step.output = output;
                return Ok(());
            }
            Err((message, retryable)) => {
                if !retryable || step.attempts > inner.config.step_retries {
                    return Err(message);
                }
                tracing::warn!(task, resource = %step.resource_id, attempt = step.attempts, %message, "step attempt failed; retrying");
                crate::metrics::step_retried(inner, &step.resource_id, step.action);
                let backoff = inner
                    .config
                    .retry_backoff
                    .saturating_mul(1 << (step.attempts - 1).min(16));
                tokio::time::sleep(backoff.min(MAX_BACKOFF)).await;
            }
        }
    }
}

/// A start (or restart) needs every dependency running; the error names the first that is not.
/// A dependency another task is changing right now is waited for rather than failed on.
async fn dependencies_ready(inner: &Inner, node: usize, action: Action) -> Result<(), String> {
    if action == Action::Stop {
        return Ok(());
    }
    let mut changed = inner.changed.subscribe();
    loop {
        let blocking = {
            let world = inner.lock();
            world.graph.deps(node).iter().find_map(|&d| {
                let state = world.nodes[d].state;
                (state != Lifecycle::Running).then(|| {
                    let message = format!(
                        "cannot {} {}: dependency {} is not running ({})",
                        action.as_str(),
                        world.specs[node].name,
                        world.specs[d].name,
                        state.as_str()
                    );
                    (
                        message,
                        state.is_transitional() && world.nodes[d].claim.is_some(),
                    )
                })
            })
        };
        match blocking {
            None => return Ok(()),
            Some((message, false)) => return Err(message),
            Some((_, true)) => {
                if changed.changed().await.is_err() {
                    return Err("engine shutting down".into());
                }
            }
        }
    }
}

/// One attempt: ask the driver, then wait for the target state. Errors say whether to retry.
async fn attempt(
    inner: &Inner,
    task: TaskId,
    node: usize,
    action: Action,
    op_id: &str,
) -> Result<Option<String>, (String, bool)> {
    let (spec, driver) = {
        let world = inner.lock();
        (world.specs[node].clone(), world.drivers[node].clone())
    };
    let spec = spec.as_ref();
    let timeout = driver
        .step_timeout(spec, action)
        .unwrap_or(inner.config.step_timeout);
    let target = action.target_state();
    // A replica that may have lost its lease to another does not act: no fencing token
    // reaches a real system. (Its writes are refused anyway, and it stops.)
    if !inner.store.may_act().await {
        return Err((
            format!("{} {}: {LEASE_GONE}", action.as_str(), spec.name),
            false,
        ));
    }
    if !crate::executors::acts_here(inner, &driver) {
        return Err((LEFT.into(), false));
    }
    let work = async {
        let output = driver.perform(spec, action, op_id).await?;
        if driver.held(spec) {
            cancelled(inner, task).await;
            return Err(DriverError::Permanent(CANCELLED_WHILE_HELD.into()));
        }
        driver
            .wait_for(spec, target, timeout)
            .await
            .map(|seen| (seen, output))
    };
    let seen = match tokio::time::timeout(timeout, work).await {
        Ok(Ok((seen, output))) => {
            if seen.state == target {
                return Ok(output);
            }
            seen
        }
        Ok(Err(e)) => {
            return Err((
                format!("{} {}: {e}", action.as_str(), spec.name),
                e.is_retryable(),
            ))
        }
        Err(_) => {
            let e = DriverError::Timeout(timeout);
            return Err((format!("{} {}: {e}", action.as_str(), spec.name), true));
        }
    };
    let why = seen
        .detail
        .unwrap_or_else(|| format!("it is {}", seen.state.as_str()));
    Err((
        format!("{} {} failed: {why}", action.as_str(), spec.name),
        true,
    ))
}

/// Returns once task `task` is cancelled.
async fn cancelled(inner: &Inner, task: TaskId) {
    let rx = inner
        .cancels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&task)
        .map(|tx| tx.subscribe());
    match rx {
        Some(mut rx) => {
            let _ = rx.wait_for(|c| *c).await;
        }
        None => std::future::pending().await,
    }
}

/// Waits for task `other`, which holds the resource, to bring it to the target state.
async fn follow(
    inner: &Arc<Inner>,
    node: usize,
    action: Action,
    other: TaskId,
) -> Result<(), String> {
    let mut changed = inner.changed.subscribe();
    let target = action.target_state();
    loop {
        {
            let world = inner.lock();
            let n = &world.nodes[node];
            let name = &world.specs[node].name;
            if n.state == target {
                return Ok(());
            }
            if n.state.is_failed() || n.claim.map(|c| c.0) != Some(other) {
                let why = n
                    .last_error
                    .clone()
                    .unwrap_or_else(|| n.state.as_str().to_string());
                return Err(format!(
                    "{} {} failed in command {other}: {why}",
                    action.as_str(),
                    name
                ));
            }
        }
        if changed.changed().await.is_err() {
            return Err("engine shutting down".into());
        }
    }
}

pub(crate) fn update(step: &StepRecord) -> Write {
    Write::UpdateStep {
        task_id: step.task_id,
        idx: step.idx,
        state: step.state,
        attempts: step.attempts,
        started_at: step.started_at,
        finished_at: step.finished_at,
        error: step.error.clone(),
        output: step.output.clone(),
    }
}

/// Progress records must not be lost to a transient store error: retry until it takes. `hook`
/// makes, for each attempt, what runs once the writes are durable, before their events go out.
pub(crate) async fn commit_retrying_then(
    inner: &Inner,
    writes: Vec<Write>,
    priority: Priority,
    hook: impl Fn() -> OnDurable,
) {
    let mut delay = Duration::from_millis(50);
    loop {
        match inner
            .store
            .commit_then(writes.clone(), priority, hook())
            .await
        {
            Ok(()) => return,
            // Fenced off: nothing it writes will land (another writer goes on with the task).
            Err(
                switchboard_store::StoreError::Closed | switchboard_store::StoreError::InUse(_),
            ) => return,
            Err(err) => {
                tracing::error!(%err, "store commit failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
