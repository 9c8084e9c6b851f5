//! Tasks taken into the world from the store: those unfinished at start (resumed), those
//! other replicas accept (`follow`), and every one again when the events that told of them are
//! gone (caught up from the tables).

use crate::runner::spawn;
use crate::world::ActiveTask;
use crate::{EngineError, Inner};
use std::sync::Arc;
use switchboard_core::StepState;
use switchboard_store::{StepRecord, TaskRecord};
use tokio::sync::watch;

/// Resumes every accepted, unfinished task: claims are rebuilt, then each this engine runs
/// runs on, and those whose runner's lease expired (a leader's taken over) are claimed.
pub(crate) async fn recover(inner: &Arc<Inner>) -> Result<(), EngineError> {
    let tasks = inner.store.unfinished_tasks().await?;
    let mut resumed = Vec::with_capacity(tasks.len());
    let mut others = Vec::new();
    for task in tasks {
        let steps = inner.store.steps(task.id).await?;
        adopt(inner, &task, &steps);
        if crate::executors::mine(inner, task.executor) {
            resumed.push((task, steps));
        } else if crate::executors::can_run(inner, &inner.lock(), &steps) {
            others.push(task.id);
        }
    }
    // Those a replica that stopped ran (this one before a restart, a leader taken over).
    resumed.extend(crate::executors::claim(inner, others).await?);
    for (task, steps) in resumed {
        tracing::info!(
            task = task.id,
            request_id = %task.request_id,
            action = %task.action.as_str(),
            targets = %task.targets.join(","),
            "resuming task after restart"
        );
        spawn(inner.clone(), task, steps);
    }
    Ok(())
}

/// Puts a committed, unfinished task into the world: it holds the resources its steps run on,
/// which show their pending state until their step ends. False when it was there already.
pub(crate) fn adopt(inner: &Inner, task: &TaskRecord, steps: &[StepRecord]) -> bool {
    let mut world = inner.lock();
    if world.active.contains_key(&task.id) {
        return false;
    }
    let mut claimed = Vec::new();
    for s in steps.iter().filter(|s| s.follow_task.is_none()) {
        if let Some(node) = world.index_of(&s.resource_id) {
            let n = &mut world.nodes[node];
            n.claim = Some((task.id, s.action));
            // The pending state shown since the accept is not stored: a step that has not
            // ended shows it again (an ended one's state was written when it did).
            if !s.state.is_finished() {
                n.state = s.action.pending_state();
                n.updated_at = n.updated_at.max(task.created_at);
            }
            claimed.push(node);
        }
    }
    let targets = task
        .targets
        .iter()
        .filter_map(|t| world.index_of(t))
        .collect();
    world.active.insert(
        task.id,
        ActiveTask {
            targets,
            claimed,
            action: task.action,
            only_self: task.only_self,
            committed: watch::channel(Some(true)).1,
        },
    );
    true
}

/// Shows the resources of a task this engine is about to run as its steps, just read, left
/// them: another engine ran it until now, and the states it wrote last may not have reached
/// this world yet (once the task runs here, the others' states of its resources are ignored).
pub(crate) fn show_steps(inner: &Inner, steps: &[StepRecord]) {
    {
        let mut world = inner.lock();
        for s in steps.iter().filter(|s| s.follow_task.is_none()) {
            let Some(node) = world.index_of(&s.resource_id) else {
                continue;
            };
            let n = &mut world.nodes[node];
            n.state = match s.state {
                StepState::Done => s.action.target_state(),
                StepState::Failed => s.action.failed_state(),
                StepState::Skipped | StepState::Cancelled => s.prior_state,
                StepState::Pending | StepState::Running => s.action.pending_state(),
            };
            if s.state == StepState::Failed {
                n.last_error = s.error.clone();
            }
        }
    }
    inner.notify_changed();
}

/// Whether this engine runs the task (it is registered until its end).
pub(crate) fn runs(inner: &Inner, task: i64) -> bool {
    inner
        .cancels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains_key(&task)
}

/// The world read again from the tables, for what it missed: the end of the tasks it knew that
/// have finished, the unfinished tasks it did not know (run, when this engine is theirs), then
/// the states of the resources no task holds (a held one shows its task's states).
pub(crate) async fn catch_up(inner: &Arc<Inner>) -> Result<(), EngineError> {
    // Each known task is looked up on its own: one being accepted here has no row yet, and
    // one accepted since a list of the unfinished was read is unfinished all the same.
    let known: Vec<i64> = {
        let world = inner.lock();
        world
            .active
            .keys()
            .filter(|t| !runs(inner, **t))
            .copied()
            .collect()
    };
    for id in known {
        let ended = inner.store.task(id).await?;
        if ended.is_some_and(|t| t.state.is_terminal()) {
            crate::runner::release(inner, id);
        }
    }
    for task in inner.store.unfinished_tasks().await? {
        let steps = inner.store.steps(task.id).await?;
        if adopt(inner, &task, &steps) && crate::executors::mine(inner, task.executor) {
            spawn(inner.clone(), task, steps);
        }
    }
    let records = inner.store.resources().await?;
    {
        let mut world = inner.lock();
        for r in &records {
            let Some(node) = world.index_of(&r.spec.id) else {
                continue;
            };
            let n = &mut world.nodes[node];
            if n.claim.is_none() {
                n.state = r.state;
                n.last_error = r.last_error.clone();
                n.updated_at = r.updated_at;
            }
        }
    }
    inner.notify_changed();
    Ok(())
}
