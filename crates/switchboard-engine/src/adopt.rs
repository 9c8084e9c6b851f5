//! Tasks taken into the world from the store: those unfinished at start (resumed), those
//! other replicas accept (`follow`), and every one again when the events that told of them are
//! gone (caught up from the tables).

use crate::runner::spawn;
use crate::world::ActiveTask;
use crate::{EngineError, Inner};
use std::collections::HashSet;
use std::sync::Arc;
use switchboard_store::{StepRecord, TaskRecord};
use tokio::sync::watch;

/// Resumes every accepted, unfinished task: claims are rebuilt, then each runs on (when this
/// engine executes tasks; one that only accepts them holds their claims meanwhile).
pub(crate) async fn recover(inner: &Arc<Inner>) -> Result<(), EngineError> {
    let tasks = inner.store.unfinished_tasks().await?;
    let mut resumed = Vec::with_capacity(tasks.len());
    for task in tasks {
        let steps = inner.store.steps(task.id).await?;
        adopt(inner, &task, &steps);
        resumed.push((task, steps));
    }
    if !inner.executes {
        return Ok(());
    }
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

/// Whether this engine runs the task (it is registered until its end).
pub(crate) fn runs(inner: &Inner, task: i64) -> bool {
    inner
        .cancels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains_key(&task)
}

/// The world read again from the tables, for what it missed: the resources' states (but of
/// those a task of this engine runs), the unfinished tasks it did not know (run, when this
/// engine executes), and the end of those it knew that have finished.
pub(crate) async fn catch_up(inner: &Arc<Inner>) -> Result<(), EngineError> {
    let records = inner.store.resources().await?;
    let unfinished = inner.store.unfinished_tasks().await?;
    {
        let mut world = inner.lock();
        for r in &records {
            let Some(node) = world.index_of(&r.spec.id) else {
                continue;
            };
            if world.nodes[node].claim.is_some_and(|c| runs(inner, c.0)) {
                continue;
            }
            let n = &mut world.nodes[node];
            n.state = r.state;
            n.last_error = r.last_error.clone();
            n.updated_at = r.updated_at;
        }
    }
    let open: HashSet<i64> = unfinished.iter().map(|t| t.id).collect();
    let ended: Vec<i64> = {
        let world = inner.lock();
        world
            .active
            .keys()
            .filter(|t| !open.contains(t) && !runs(inner, **t))
            .copied()
            .collect()
    };
    for task in ended {
        crate::runner::release(inner, task);
    }
    for task in unfinished {
        let steps = inner.store.steps(task.id).await?;
        if adopt(inner, &task, &steps) && inner.executes {
            spawn(inner.clone(), task, steps);
        }
    }
    inner.notify_changed();
    Ok(())
}
