//! Read models: tasks with live progress, resources with their state.

use crate::{Engine, EngineError};
use switchboard_core::{Lifecycle, Millis, ResourceSpec, StepState, TaskId, TaskState};
use switchboard_store::{Priority, StepRecord, TaskRecord, Write};

/// Share of an unfinished running step credited to progress at most.
const RUNNING_CREDIT_CAP: f64 = 0.9;

#[derive(Debug, Clone)]
pub struct StepView {
    pub record: StepRecord,
    pub resource_name: String,
}

#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: TaskRecord,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone)]
pub struct ResourceSnapshot {
    pub spec: std::sync::Arc<ResourceSpec>,
    pub state: Lifecycle,
    pub active_task: Option<TaskId>,
    pub last_error: Option<String>,
    /// When its state last changed.
    pub updated_at: switchboard_core::Millis,
}

/// Percentage of the plan done: finished steps count whole, running ones by elapsed share of
/// their expected duration (capped, so a slow step never looks finished).
pub(crate) fn progress_of(steps: &[StepRecord], now: Millis) -> f64 {
    if steps.is_empty() {
        return 100.0;
    }
    let credit: f64 = steps
        .iter()
        .map(|s| match s.state {
            StepState::Pending => 0.0,
            StepState::Running => match s.started_at {
                Some(t) if s.expected_ms > 0 => {
                    ((now - t) as f64 / s.expected_ms as f64).clamp(0.0, RUNNING_CREDIT_CAP)
                }
                _ => 0.0,
            },
            _ => 1.0,
        })
        .sum();
    (credit * 100.0 / steps.len() as f64 * 10.0).round() / 10.0
}

impl Engine {
    /// A task with its steps; `progress` never decreases across calls.
    pub async fn task(&self, id: TaskId) -> Result<Option<TaskView>, EngineError> {
        let store = &self.inner.store;
        // Asked before reading: a task is released only after its end is durable, so a task
        // not running now has its final row in the store.
        let running = self.inner.lock().active.contains_key(&id);
        let Some(mut task) = store.task(id).await? else {
            return Ok(None);
        };
        let steps = store.steps(id).await?;
        // The end is durable a moment before the claims go: until they have, the task is shown
        // as still running, so that whoever sees it finished can act on its resources at once.
        if running && task.state.is_terminal() {
            task.state = TaskState::InProgress;
            task.finished_at = None;
        }
        if !task.state.is_terminal() {
            let estimate = progress_of(&steps, switchboard_core::now_millis()).max(task.progress);
            task.progress = estimate;
            // Only running tasks keep a high-water mark (a released task's mark is dropped).
            if running {
                let mut seen = self
                    .inner
                    .progress_seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                let best = seen.entry(id).or_insert(0.0);
                *best = best.max(estimate);
                task.progress = *best;
            }
        }
        let steps = steps
            .into_iter()
            .map(|record| StepView {
                resource_name: {
                    let world = self.inner.lock();
                    world
                        .graph
                        .index_of(&record.resource_id)
                        .map(|n| world.specs[n].name.clone())
                        .unwrap_or_else(|| record.resource_id.clone())
                },
                record,
            })
            .collect();
        Ok(Some(TaskView { task, steps }))
    }

    /// Stops scheduling new steps of task `id`. Returns the task as it stood, or `None` if unknown.
    pub async fn cancel(
        &self,
        id: TaskId,
        audit: switchboard_store::AuditRecord,
    ) -> Result<Option<TaskRecord>, EngineError> {
        let Some(task) = self.inner.store.task(id).await? else {
            return Ok(None);
        };
        if task.state.is_terminal() {
            return Ok(Some(task));
        }
        // Durable before the answer: a restarted engine honours the cancel too.
        let request = Write::RequestCancel {
            id,
            at: switchboard_core::now_millis(),
        };
        let told = crate::events::cancelling(&task.project_id, id);
        self.inner
            .store
            .commit(vec![request, told, Write::Audit(audit)], Priority::Answer)
            .await?;
        if let Some(tx) = self
            .inner
            .cancels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            let _ = tx.send(true);
        }
        Ok(Some(task))
    }

    /// Waits until task `id` is finished (for tests and tools); `None` if it does not exist.
    pub async fn wait(
        &self,
        id: TaskId,
        timeout: std::time::Duration,
    ) -> Result<Option<TaskState>, EngineError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changed = self.inner.changed.subscribe();
        loop {
            // A running task is not finished: no need to read it on each of its step events.
            let running = self.inner.lock().active.contains_key(&id);
            if running && tokio::time::Instant::now() < deadline {
                let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
                continue;
            }
            match self.task(id).await?.map(|v| v.task) {
                None => return Ok(None),
                Some(t) if t.state.is_terminal() => return Ok(Some(t.state)),
                Some(t) if tokio::time::Instant::now() >= deadline => return Ok(Some(t.state)),
                Some(_) => {}
            }
            let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
        }
    }

    pub fn resource(&self, id: &str) -> Option<ResourceSnapshot> {
        let world = self.inner.lock();
        let node = world.index_of(id)?;
        Some(snapshot(node, &world))
    }

    /// The existing resources whose id or name is `name`, in inventory order: a look at the
    /// names in memory, copying only what matches (for admin writes that name a resource).
    pub fn resources_named(&self, name: &str) -> Vec<ResourceSnapshot> {
        let world = self.inner.lock();
        (0..world.specs.len())
            .filter(|&n| {
                let spec = &world.specs[n];
                !world.nodes[n].deleted && (spec.id == name || spec.name == name)
            })
            .map(|n| snapshot(n, &world))
            .collect()
    }

    /// Every existing resource, in inventory order.
    pub fn resources(&self) -> Vec<ResourceSnapshot> {
        let world = self.inner.lock();
        (0..world.specs.len())
            .filter(|&n| !world.nodes[n].deleted)
            .map(|n| snapshot(n, &world))
            .collect()
    }
}

pub(crate) fn snapshot(node: usize, world: &crate::world::World) -> ResourceSnapshot {
    let n = &world.nodes[node];
    ResourceSnapshot {
        spec: world.specs[node].clone(),
        state: n.state,
        active_task: n.claim.map(|c| c.0),
        last_error: n.last_error.clone(),
        updated_at: n.updated_at,
    }
}

impl Engine {
    /// The console log of resource `id` from its driver; `None` when the resource is unknown
    /// or its driver keeps no console.
    pub async fn console_log(&self, id: &str) -> Result<Option<String>, EngineError> {
        let (spec, driver) = {
            let world = self.inner.lock();
            let Some(node) = world.index_of(id) else {
                return Ok(None);
            };
            (world.specs[node].clone(), world.drivers[node].clone())
        };
        Ok(driver.console_log(&spec).await?)
    }
}
