//! Which engine runs which task when several writers share a database (PostgreSQL replicas):
//! the one its row names (`TaskRecord::executor`). A writer runs what it accepts when it can
//! reach every resource the task acts on: the leader runs anything, a writer beside it only
//! resources whose drivers every replica reaches (`Driver::runs_on_any_replica`); the rest is
//! the leader's. A task whose executor's lease expired (the leader, as rescuer, removed its
//! row) is claimed by a live writer that can run it, which resumes it as after a restart: a
//! step found running re-observes its resource through the driver before acting again. Where
//! one server runs everything (SQLite), every task is its own.

use crate::world::World;
use crate::{runner, Inner};
use std::sync::{Arc, Weak};
use std::time::Duration;
use switchboard_core::TaskId;
use switchboard_store::{StepRecord, TaskRecord};

/// How often a writer looks for tasks no live writer runs. The takeover of a dead writer's
/// tasks takes its lease, the leader's next renewal (at most a second) and up to this.
const CLAIM_EVERY: Duration = Duration::from_millis(250);

/// Whether this engine can run a task with `steps`: every resource it acts on is reachable
/// from here.
pub(crate) fn can_run(inner: &Inner, world: &World, steps: &[StepRecord]) -> bool {
    steps
        .iter()
        .filter(|s| s.follow_task.is_none())
        .filter_map(|s| world.index_of(&s.resource_id))
        .all(|n| acts_here(inner, &world.drivers[n]))
}

/// Whether this engine can still run a task with `steps` it runs (the simulated world's can
/// stop being runnable beside the leader).
pub(crate) fn can_run_now(inner: &Inner, steps: &[StepRecord]) -> bool {
    inner.runs_all || can_run(inner, &inner.lock(), steps)
}

/// What another replica did to the task's resources before it runs here is seen first.
pub(crate) async fn catch_up(inner: &Inner, steps: &[StepRecord]) {
    let mut drivers: Vec<Arc<dyn switchboard_core::Driver>> = Vec::new();
    {
        let world = inner.lock();
        for n in steps.iter().filter_map(|s| world.index_of(&s.resource_id)) {
            let driver = &world.drivers[n];
            if !drivers.iter().any(|d| Arc::ptr_eq(d, driver)) {
                drivers.push(driver.clone());
            }
        }
    }
    for driver in drivers {
        if let Err(err) = driver.catch_up().await {
            tracing::warn!(%err, "cannot see what other replicas did before running a task");
        }
    }
}

/// Whether this engine may act through `driver` now: the leader (or the one server) acts on
/// anything, a writer beside it on what every replica reaches.
pub(crate) fn acts_here(inner: &Inner, driver: &Arc<dyn switchboard_core::Driver>) -> bool {
    inner.runs_all || driver.runs_on_any_replica()
}

/// The executor of a task with `steps` accepted here: this writer when it can run it, else the
/// leader's.
pub(crate) fn executor_of(inner: &Inner, world: &World, steps: &[StepRecord]) -> Option<i64> {
    if can_run(inner, world, steps) {
        inner.store.writer()
    } else {
        inner.store.leader()
    }
}

/// Whether this engine runs a task its row names `executor`.
pub(crate) fn mine(inner: &Inner, executor: Option<i64>) -> bool {
    executor == inner.store.writer()
}

impl crate::Engine {
    /// Hands this engine's tasks over, as its replica leaves (it leads now, with another
    /// engine): no step starts any more, and once the steps under way have ended and been
    /// written, each task is left for the writer that claims it next. Returns once every task
    /// has stopped, or after `within` (the rest stop as the writer is fenced off).
    pub async fn hand_over(&self, within: Duration) {
        let inner = &self.inner;
        inner.handing_over.send_replace(true);
        let mut changed = inner.changed.subscribe();
        let all_stopped = async {
            while !inner
                .cancels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
            {
                if changed.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(within, all_stopped).await;
    }
}

/// Looks for tasks no live writer runs while the engine lives (only on a shared database).
pub(crate) fn spawn(inner: &Arc<Inner>) {
    if inner.store.writer().is_some() {
        tokio::spawn(rescue(Arc::downgrade(inner)));
    }
}

async fn rescue(engine: Weak<Inner>) {
    loop {
        tokio::time::sleep(CLAIM_EVERY).await;
        let Some(inner) = engine.upgrade() else {
            return;
        };
        if inner.store.lease_lost().is_some_and(|lost| *lost.borrow())
            || *inner.handing_over.borrow()
        {
            return;
        }
        if let Err(err) = rescue_once(&inner).await {
            tracing::warn!(%err, "cannot claim the tasks of writers whose lease expired");
        }
    }
}

/// The tasks this engine knows of, runs not, and could run.
fn candidates(inner: &Inner) -> Vec<TaskId> {
    let world = inner.lock();
    let running = inner.cancels.lock().unwrap_or_else(|p| p.into_inner());
    let mut ids: Vec<TaskId> = world
        .active
        .iter()
        .filter(|(id, _)| !running.contains_key(id))
        .filter(|(_, a)| {
            a.claimed
                .iter()
                .all(|&n| acts_here(inner, &world.drivers[n]))
        })
        // One still being accepted here has no row yet.
        .filter(|(_, a)| *a.committed.borrow() == Some(true))
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids
}

/// Claims those of `tasks` no live writer runs; the ones claimed, which this engine does not
/// run yet, for the caller to run.
pub(crate) async fn claim(
    inner: &Arc<Inner>,
    tasks: Vec<TaskId>,
) -> Result<Vec<(TaskRecord, Vec<StepRecord>)>, crate::EngineError> {
    let mut claimed = Vec::new();
    if tasks.is_empty() {
        return Ok(claimed);
    }
    for id in inner.store.claim_tasks(&tasks).await? {
        let (Some(task), steps) = (inner.store.task(id).await?, inner.store.steps(id).await?)
        else {
            continue;
        };
        crate::adopt::adopt(inner, &task, &steps);
        if !crate::adopt::runs(inner, id) && !task.state.is_terminal() {
            crate::adopt::show_steps(inner, &steps);
            crate::metrics::task_taken_over();
            claimed.push((task, steps));
        }
    }
    Ok(claimed)
}

/// Claims and runs the tasks of writers whose lease expired.
async fn rescue_once(inner: &Arc<Inner>) -> Result<(), crate::EngineError> {
    for (task, steps) in claim(inner, candidates(inner)).await? {
        tracing::warn!(task = task.id, request_id = %task.request_id,
            action = %task.action.as_str(), targets = %task.targets.join(","),
            "running a task no live replica ran (its runner's lease expired)");
        runner::spawn(inner.clone(), task, steps);
    }
    Ok(())
}
