//! Runs a task's DAG: every step whose prerequisites are done starts at once; a failed step
//! skips what needs it while independent branches finish; cancel stops scheduling. Each step's
//! outcome, the skips it causes and (for the last one) the task's end go into one commit. On
//! start the engine resumes every task that was accepted and not finished.

use crate::batch::Batch;
use crate::dag::Dag;
use crate::events;
use crate::step;
use crate::Inner;
use futures::stream::{FuturesUnordered, StreamExt};
use std::sync::Arc;
use switchboard_core::{now_millis, StepState, TaskId, TaskState};
use switchboard_store::{StepRecord, TaskRecord, Write};
use tokio::sync::watch;

/// The error of a step a reset or restore stopped.
const ABORTED: &str = "cancelled by a state reset";

pub(crate) fn spawn(inner: Arc<Inner>, task: TaskRecord, steps: Vec<StepRecord>) {
    let signals = register(&inner, task.id);
    tokio::spawn(run(inner, task, steps, signals));
}

/// A task's cancel and abort signals, taken by [`run`].
pub(crate) struct Signals {
    cancel: watch::Receiver<bool>,
    abort: watch::Receiver<bool>,
}

/// Makes the task cancellable and abortable (before anyone is told it exists) and counts it
/// as running; [`run`] then runs it on whatever task the caller has.
pub(crate) fn register(inner: &Inner, task: TaskId) -> Signals {
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let (abort_tx, abort_rx) = watch::channel(false);
    inner
        .cancels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(task, cancel_tx);
    inner
        .aborts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(task, abort_tx);
    crate::metrics::task_started();
    Signals {
        cancel: cancel_rx,
        abort: abort_rx,
    }
}

/// Runs the task registered with [`register`] to its end.
pub(crate) async fn run(
    inner: Arc<Inner>,
    task: TaskRecord,
    mut steps: Vec<StepRecord>,
    signals: Signals,
) {
    let Signals {
        mut cancel,
        mut abort,
    } = signals;
    crate::executors::catch_up(&inner, &steps).await;
    let mut running = FuturesUnordered::new();
    let mut aborted = false;
    // Steps found RUNNING were interrupted by a restart and resume at once.
    let mut dag = Dag::new(&steps);
    // A cancel accepted before a restart still holds.
    let mut cancelled = task.cancel_requested;
    let mut batch = Batch::default();
    let mut lease = inner.store.lease_lost();
    let mut handing_over = inner.handing_over.subscribe();
    // Whether a step was left before it acted (this replica can no longer run the task).
    let mut left = false;
    tracing::info!(
        task = task.id,
        request_id = %task.request_id,
        action = %task.action.as_str(),
        targets = %task.targets.join(","),
        steps = steps.len(),
        "task started"
    );
    loop {
        // A cancel may land together with the step it ended (a step held by a hang fault).
        cancelled |= *cancel.borrow();
        settle_blocked(
            &inner,
            &task.project_id,
            &mut steps,
            &mut dag,
            cancelled,
            &mut batch,
        );
        // Handed over: the steps under way end here, the rest where the task is claimed next.
        // So is a task this engine can no longer run (beside the leader, once it set controls
        // that shape the simulated world's actions), and it is let go for one that can.
        let leaving = *handing_over.borrow_and_update();
        let letting_go = !leaving && (left || !crate::executors::can_run_now(&inner, &steps));
        let handing = leaving || letting_go;
        if handing && running.is_empty() {
            batch.hand_over(&inner, task.id).await;
            if letting_go {
                if let Err(err) = inner.store.let_go(task.id).await {
                    tracing::warn!(task = task.id, %err, "cannot let the task go");
                }
            }
            crate::metrics::task_left();
            tracing::info!(task = task.id, "handed the task over");
            return;
        }
        let ready = if handing {
            Vec::new()
        } else {
            dag.take_ready(&steps, cancelled)
        };
        let finishing = running.is_empty() && ready.is_empty();
        if finishing {
            finish_into(&inner, &task, &steps, cancelled, &mut batch);
            batch.finish(&inner, task.id).await;
            return;
        }
        batch.flush(&inner, task.id);
        for i in ready {
            let (inner, record) = (inner.clone(), steps[i].clone());
            let project = task.project_id.clone();
            tracing::debug!(task = task.id, step = i, resource = %record.resource_id,
                action = %record.action.as_str(), "step started");
            running.push(async move {
                crate::metrics::run_step(&inner, task.id, &project, record).await
            });
            steps[i].state = StepState::Running;
        }
        tokio::select! {
            Some(done) = running.next() => {
                let idx = done.idx;
                if done.state == StepState::Running {
                    // Left before it acted, to the replica that claims the task next.
                    left = true;
                    steps[idx] = done;
                    continue;
                }
                tracing::debug!(task = task.id, step = idx, resource = %done.resource_id,
                    state = %done.state.as_str(), error = done.error.as_deref(), "step finished");
                batch.writes.push(step::update(&done));
                let (name, node) = name_and_node(&inner, &done.resource_id);
                batch.writes.push(events::step("step.finished", &task.project_id, &done, &name));
                if done.follow_task.is_none() {
                    if let Some(node) = node {
                        let state = if done.state == StepState::Done { done.action.target_state() } else { done.action.failed_state() };
                        batch.set_resource(node, state, done.error.clone());
                    }
                }
                dag.finished(idx, done.state);
                steps[idx] = done;
                // The last step's progress is the task's end, announced with it.
                if steps.iter().any(|s| !s.state.is_finished()) {
                    let progress = crate::view::progress_of(&steps, now_millis());
                    batch.writes.push(events::progress(&task.project_id, task.id, progress));
                }
            }
            // Fenced off (its lease expired, or another replica leads): nothing it writes will
            // land, and the writer that claims the task next resumes it. Its running steps are
            // dropped, so that it acts no more.
            _ = lease_lost(&mut lease) => {
                tracing::warn!(task = task.id, "stopped running the task: this replica's lease is lost");
                crate::metrics::task_left();
                release(&inner, task.id);
                return;
            }
            _ = handing_over.changed() => {}
            changed = cancel.changed(), if !cancelled => {
                cancelled = changed.is_err() || *cancel.borrow();
            }
            changed = abort.changed(), if !aborted => {
                if changed.is_ok() && *abort.borrow() {
                    // A reset: the running steps are dropped, not awaited.
                    aborted = true;
                    cancelled = true;
                    running = FuturesUnordered::new();
                    for (i, s) in steps.iter_mut().enumerate().filter(|(_, s)| s.state == StepState::Running) {
                        dag.finished(i, StepState::Cancelled);
                        s.state = StepState::Cancelled;
                        s.finished_at = Some(now_millis());
                        s.error = Some(ABORTED.into());
                        batch.writes.push(step::update(s));
                    }
                }
            }
        }
    }
}

/// Resolves once the replica's lease is lost (never where there is none: SQLite).
async fn lease_lost(lease: &mut Option<watch::Receiver<bool>>) {
    match lease {
        Some(lost) => {
            let _ = lost.wait_for(|lost| *lost).await;
        }
        None => std::future::pending().await,
    }
}

/// Pending steps that can never run (a prerequisite failed, or the task was cancelled) become
/// SKIPPED or CANCELLED, and their resources go back to their prior state.
fn settle_blocked(
    inner: &Inner,
    project: &str,
    steps: &mut [StepRecord],
    dag: &mut Dag,
    cancelled: bool,
    batch: &mut Batch,
) {
    let blocked = if cancelled {
        dag.clear_unsettled();
        (0..steps.len())
            .filter(|&i| steps[i].state == StepState::Pending)
            .collect()
    } else {
        dag.blocked(steps)
    };
    for i in blocked {
        let s = &mut steps[i];
        s.state = if cancelled {
            StepState::Cancelled
        } else {
            StepState::Skipped
        };
        s.finished_at = Some(now_millis());
        batch.writes.push(step::update(s));
        let name = name_of(inner, &s.resource_id);
        batch
            .writes
            .push(events::step("step.finished", project, s, &name));
        if s.follow_task.is_none() {
            if let Some(node) = inner.index_of(&s.resource_id) {
                let error = inner.lock().nodes[node].last_error.clone();
                batch.set_resource(node, s.prior_state, error);
            }
        }
    }
}

/// The task's final state; every resource it holds is released in the same commit.
fn finish_into(
    inner: &Inner,
    task: &TaskRecord,
    steps: &[StepRecord],
    cancelled: bool,
    batch: &mut Batch,
) {
    let failed: Vec<&StepRecord> = steps
        .iter()
        .filter(|s| s.state == StepState::Failed)
        .collect();
    let state = if !failed.is_empty() {
        TaskState::Failed
    } else if cancelled && steps.iter().any(|s| s.state == StepState::Cancelled) {
        TaskState::Cancelled
    } else {
        TaskState::Complete
    };
    let error = (!failed.is_empty()).then(|| {
        failed
            .iter()
            .filter_map(|s| s.error.as_deref())
            .collect::<Vec<_>>()
            .join("; ")
    });
    let now = now_millis();
    let progress = if state == TaskState::Complete {
        100.0
    } else {
        crate::view::progress_of(steps, now)
    };
    batch.writes.push(Write::UpdateTask {
        id: task.id,
        state,
        progress,
        error: error.clone(),
        updated_at: now,
        finished_at: Some(now),
    });
    let ended = TaskRecord {
        state,
        progress,
        error: error.clone(),
        updated_at: now,
        finished_at: Some(now),
        ..task.clone()
    };
    let name = |s: &StepRecord| name_of(inner, &s.resource_id);
    batch.last = Some(events::task("task.finished", &ended, steps, name));
    let world = inner.lock();
    for s in steps.iter().filter(|s| s.follow_task.is_none()) {
        if let Some(node) = world.index_of(&s.resource_id) {
            if !batch.states.iter().any(|(n, _, _)| *n == node) {
                let n = &world.nodes[node];
                batch.states.push((node, n.state, n.last_error.clone()));
            }
        }
    }
    log_finished(task, state, error.as_deref());
}

/// The name of a resource (deleted ones too), for events.
fn name_of(inner: &Inner, resource_id: &str) -> String {
    name_and_node(inner, resource_id).0
}

/// The name of a resource (deleted ones too) and its node if it still exists: one lookup.
fn name_and_node(inner: &Inner, resource_id: &str) -> (String, Option<usize>) {
    let world = inner.lock();
    match world.graph.index_of(resource_id) {
        Some(n) => (
            world.specs[n].name.clone(),
            (!world.nodes[n].deleted).then_some(n),
        ),
        None => (resource_id.to_string(), None),
    }
}

/// The task's end, with the reason when it failed (a warning: an operator looks for those).
fn log_finished(task: &TaskRecord, state: TaskState, error: Option<&str>) {
    crate::metrics::task_finished(state);
    let (id, request_id) = (task.id, task.request_id.as_str());
    // Fields are rendered only when the line is written (most servers log warnings only).
    let action = task.action.as_str();
    match error {
        Some(reason) => tracing::warn!(task = id, %request_id, %action,
            targets = %task.targets.join(","), state = %state.as_str(), reason, "task finished"),
        None => tracing::info!(task = id, %request_id, %action,
            targets = %task.targets.join(","), state = %state.as_str(), "task finished"),
    }
}

/// Drops the task's claims and bookkeeping from memory.
pub(crate) fn release(inner: &Inner, task: i64) {
    {
        let mut world = inner.lock();
        if let Some(active) = world.active.remove(&task) {
            for n in active.claimed {
                let node = &mut world.nodes[n];
                if node.claim.is_some_and(|c| c.0 == task) {
                    node.claim = None;
                }
            }
        }
    }
    inner
        .cancels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&task);
    inner
        .aborts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&task);
    inner
        .progress_seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&task);
    inner.notify_changed();
}

/// Undoes the in-memory claims of a task whose row could not be written.
pub(crate) fn abandon(inner: &Inner, task: &TaskRecord, steps: &[StepRecord]) {
    {
        let mut world = inner.lock();
        for s in steps.iter().filter(|s| s.follow_task.is_none()) {
            let Some(node) = world.index_of(&s.resource_id) else {
                continue;
            };
            // Another replica's task may hold it now (the claim that refused this one).
            if world.nodes[node].claim.is_some_and(|c| c.0 == task.id) {
                world.nodes[node].state = s.prior_state;
                world.nodes[node].updated_at = switchboard_core::now_millis();
            }
        }
    }
    release(inner, task.id);
}
