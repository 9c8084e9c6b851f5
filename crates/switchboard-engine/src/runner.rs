//! Runs a task's DAG: every step whose prerequisites are done starts at once; a failed step
//! skips what needs it while independent branches finish; cancel stops scheduling. On start the
//! engine resumes every task that was accepted and not finished.

use crate::step::{self, commit_retrying};
use crate::world::ActiveTask;
use crate::{EngineError, Inner};
use futures::stream::{FuturesUnordered, StreamExt};
use std::sync::Arc;
use switchboard_core::{now_millis, StepState, TaskState};
use switchboard_store::{StepRecord, TaskRecord, Write};
use tokio::sync::watch;

pub(crate) fn spawn(inner: Arc<Inner>, task: TaskRecord, steps: Vec<StepRecord>) {
    let (cancel_tx, cancel_rx) = watch::channel(false);
    inner
        .cancels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(task.id, cancel_tx);
    tokio::spawn(run(inner, task, steps, cancel_rx));
}

async fn run(
    inner: Arc<Inner>,
    task: TaskRecord,
    mut steps: Vec<StepRecord>,
    mut cancel: watch::Receiver<bool>,
) {
    let mut running = FuturesUnordered::new();
    let mut launched = vec![false; steps.len()];
    let mut cancelled = false;
    loop {
        settle_blocked(&inner, &mut steps, cancelled).await;
        for i in 0..steps.len() {
            let s = &steps[i];
            // A step found RUNNING was interrupted by a restart and resumes at once.
            let ready = s.state == StepState::Running
                || (s.state == StepState::Pending
                    && !cancelled
                    && s.after.iter().all(|&a| steps[a].state == StepState::Done));
            if ready && !launched[i] {
                launched[i] = true;
                let (inner, record) = (inner.clone(), s.clone());
                running.push(async move { step::run(&inner, task.id, record).await });
                steps[i].state = StepState::Running;
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some(done) = running.next() => {
                let idx = done.idx;
                steps[idx] = done;
                let progress = crate::view::progress_of(&steps, now_millis());
                commit_retrying(&inner, vec![Write::UpdateTask {
                    id: task.id, state: TaskState::InProgress, progress,
                    error: None, updated_at: now_millis(), finished_at: None,
                }]).await;
            }
            changed = cancel.changed(), if !cancelled => {
                cancelled = changed.is_err() || *cancel.borrow();
            }
        }
    }
    finish(&inner, &task, &steps, cancelled).await;
}

/// Pending steps that can never run (a prerequisite failed, or the task was cancelled) are
/// finished as SKIPPED or CANCELLED, and their resources go back to their prior state.
async fn settle_blocked(inner: &Inner, steps: &mut [StepRecord], cancelled: bool) {
    loop {
        let blocked = (0..steps.len()).find(|&i| {
            steps[i].state == StepState::Pending
                && (cancelled
                    || steps[i].after.iter().any(|&a| {
                        steps[a].state.is_finished() && steps[a].state != StepState::Done
                    }))
        });
        let Some(i) = blocked else { return };
        let s = &mut steps[i];
        s.state = if cancelled {
            StepState::Cancelled
        } else {
            StepState::Skipped
        };
        s.finished_at = Some(now_millis());
        let mut writes = vec![step::update(s)];
        if s.follow_task.is_none() {
            if let Some(node) = inner.graph.index_of(&s.resource_id) {
                let mut world = inner.lock();
                world.nodes[node].state = s.prior_state;
                writes.push(Write::SetResource {
                    id: s.resource_id.clone(),
                    state: s.prior_state,
                    active_task: Some(s.task_id),
                    last_error: world.nodes[node].last_error.clone(),
                    updated_at: now_millis(),
                });
            }
        }
        commit_retrying(inner, writes).await;
    }
}

async fn finish(inner: &Arc<Inner>, task: &TaskRecord, steps: &[StepRecord], cancelled: bool) {
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
    let mut writes = vec![Write::UpdateTask {
        id: task.id,
        state,
        progress,
        error,
        updated_at: now,
        finished_at: Some(now),
    }];
    {
        let world = inner.lock();
        for s in steps.iter().filter(|s| s.follow_task.is_none()) {
            if let Some(node) = inner.graph.index_of(&s.resource_id) {
                writes.push(Write::SetResource {
                    id: s.resource_id.clone(),
                    state: world.nodes[node].state,
                    active_task: None,
                    last_error: world.nodes[node].last_error.clone(),
                    updated_at: now,
                });
            }
        }
    }
    commit_retrying(inner, writes).await;
    release(inner, task.id);
    tracing::info!(task = task.id, state = state.as_str(), "task finished");
}

/// Drops the task's claims and bookkeeping from memory.
fn release(inner: &Inner, task: i64) {
    {
        let mut world = inner.lock();
        for n in world.nodes.iter_mut() {
            if n.claim.is_some_and(|c| c.0 == task) {
                n.claim = None;
            }
        }
        world.active.remove(&task);
    }
    inner
        .cancels
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
            if let Some(node) = inner.graph.index_of(&s.resource_id) {
                world.nodes[node].state = s.prior_state;
            }
        }
    }
    release(inner, task.id);
}

/// Resumes every accepted, unfinished task: claims are rebuilt, then each runs on.
pub(crate) async fn recover(inner: &Arc<Inner>) -> Result<(), EngineError> {
    let tasks = inner.store.unfinished_tasks().await?;
    let mut resumed = Vec::with_capacity(tasks.len());
    for task in tasks {
        let steps = inner.store.steps(task.id).await?;
        {
            let mut world = inner.lock();
            for s in steps.iter().filter(|s| s.follow_task.is_none()) {
                if let Some(node) = inner.graph.index_of(&s.resource_id) {
                    world.nodes[node].claim = Some((task.id, s.action));
                }
            }
            let targets = task
                .target_id
                .iter()
                .filter_map(|t| inner.graph.index_of(t))
                .collect();
            world.active.insert(
                task.id,
                ActiveTask {
                    targets,
                    action: task.action,
                    only_self: task.only_self,
                    committed: watch::channel(Some(true)).1,
                },
            );
        }
        resumed.push((task, steps));
    }
    for (task, steps) in resumed {
        tracing::info!(
            task = task.id,
            action = task.action.as_str(),
            "resuming task after restart"
        );
        spawn(inner.clone(), task, steps);
    }
    Ok(())
}
