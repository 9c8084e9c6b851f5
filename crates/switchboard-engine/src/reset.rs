//! Putting the world back: a reset returns resources to the inventory's initial state (a
//! project's, or all), and a restore replaces the whole state by a snapshot's. Both hold the
//! gate, so no operation is accepted halfway through, and stop the tasks in their way first:
//! cancelled durably, their running steps dropped rather than awaited.

use crate::world::{NodeState, World};
use crate::{driver_for, events, Engine, EngineError, Inner};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::inventory::resource_graph;
use switchboard_core::{now_millis, Lifecycle, ResourceSpec, TaskId};
use switchboard_store::{AuditRecord, Priority, Write};

/// How long stopped tasks get to write their end before the answer names them instead.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// What a reset covers.
#[derive(Debug, Clone)]
pub struct ResetScope {
    /// Project ids; `None` for every project.
    pub projects: Option<Vec<String>>,
    /// Put resources back (and delete the ones created at run time).
    pub resources: bool,
    /// Cancel the tasks in flight.
    pub tasks: bool,
}

/// What a reset did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResetOutcome {
    /// Resources put back or deleted.
    pub resources: usize,
    pub tasks_cancelled: usize,
    /// Tasks cancelled that had not written their end when the reset answered.
    pub still_stopping: Vec<TaskId>,
}

/// The settled state a resource shown in `state` is put in (a transition still under way
/// counts as not begun).
pub fn settled(state: Lifecycle) -> Lifecycle {
    match state {
        Lifecycle::Starting => Lifecycle::Stopped,
        Lifecycle::Stopping | Lifecycle::Restarting => Lifecycle::Running,
        other => other,
    }
}

impl Engine {
    /// Resets what `scope` covers; `audit` is committed with the resources' writes.
    pub async fn reset(
        &self,
        scope: &ResetScope,
        audit: AuditRecord,
    ) -> Result<ResetOutcome, EngineError> {
        let inner = &self.inner;
        let _gate = inner.gate.write().await;
        let in_scope = |project: &str| {
            scope
                .projects
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|p| p == project))
        };
        let mut outcome = ResetOutcome::default();
        if scope.tasks {
            let tasks: Vec<TaskId> = {
                let world = inner.lock();
                let mut ids: Vec<TaskId> = world
                    .active
                    .iter()
                    .filter(|(_, a)| {
                        a.targets
                            .iter()
                            .any(|&n| in_scope(&world.specs[n].project_id))
                    })
                    .map(|(id, _)| *id)
                    .collect();
                ids.sort_unstable();
                ids
            };
            outcome.tasks_cancelled = tasks.len();
            outcome.still_stopping = stop_tasks(inner, &tasks).await?;
        }
        let mut writes = Vec::new();
        let mut reset_nodes = Vec::new();
        if scope.resources {
            let at = now_millis();
            let world = inner.lock();
            for n in 0..world.specs.len() {
                let (spec, node) = (&world.specs[n], &world.nodes[n]);
                if !in_scope(&spec.project_id) || node.claim.is_some() {
                    continue;
                }
                if node.configured {
                    let state = spec.initial_state;
                    writes.push(Write::ResetResource {
                        id: spec.id.clone(),
                        state,
                        at,
                    });
                    writes.push(events::resource(spec, state, None, None, None));
                    reset_nodes.push(n);
                } else if !node.deleted {
                    writes.push(Write::DeleteResource {
                        id: spec.id.clone(),
                        at,
                    });
                    let deleted =
                        events::resource_event("resource.deleted", spec, node.state, None);
                    writes.push(deleted);
                    reset_nodes.push(n);
                }
            }
            outcome.resources = reset_nodes.len();
        }
        writes.push(Write::Audit(audit));
        inner.store.commit(writes, Priority::Answer).await?;
        if !reset_nodes.is_empty() {
            reload_nodes(inner, &reset_nodes).await?;
        }
        inner.notify_changed();
        Ok(outcome)
    }

    /// Stops every task, commits `writes` (a whole state's replacement) and rebuilds the world
    /// from the store; `sim` gives simulated resources' states by id (the stored state, settled,
    /// where it is silent). Unfinished tasks of the new state resume, as after a restart.
    pub async fn restore(
        &self,
        writes: Vec<Write>,
        sim: &BTreeMap<String, (Lifecycle, Option<String>)>,
    ) -> Result<Vec<TaskId>, EngineError> {
        let inner = &self.inner;
        let _gate = inner.gate.write().await;
        let tasks: Vec<TaskId> = inner.lock().active.keys().copied().collect();
        let stopping = stop_tasks(inner, &tasks).await?;
        fence_other_executors(inner).await?;
        inner.store.commit(writes, Priority::Answer).await?;
        let records = inner.store.resources().await?;
        let specs: Vec<ResourceSpec> = records.iter().map(|r| r.spec.clone()).collect();
        let graph = resource_graph(&specs).map_err(|e| EngineError::Inventory(e.to_string()))?;
        let mut drivers = Vec::with_capacity(records.len());
        for r in &records {
            let driver = driver_for(&inner.registry, &r.spec)?;
            if !r.deleted {
                driver.register(&r.spec).await?;
                let (state, detail) = sim
                    .get(&r.spec.id)
                    .cloned()
                    .unwrap_or((settled(r.state), r.last_error.clone()));
                driver.reset(&r.spec, settled(state), detail).await?;
            }
            drivers.push(driver);
        }
        let nodes = records.iter().map(NodeState::from_record).collect();
        *inner.lock() = World::new(
            graph,
            specs.into_iter().map(Arc::new).collect(),
            drivers,
            nodes,
        );
        inner
            .progress_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        // The restored tasks' ids may be above this replica's block.
        inner.ids.renew(inner.store.as_ref(), false).await?;
        crate::adopt::recover(inner).await?;
        inner.notify_changed();
        Ok(stopping)
    }
}

/// Cancels `tasks` durably, drops their running steps, and waits for their ends to be written;
/// the ones still running after `STOP_WAIT`.
async fn stop_tasks(inner: &Arc<Inner>, tasks: &[TaskId]) -> Result<Vec<TaskId>, EngineError> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let at = now_millis();
    let writes = tasks
        .iter()
        .map(|&id| Write::RequestCancel { id, at })
        .collect();
    inner.store.commit(writes, Priority::Answer).await?;
    let mut changed = inner.changed.subscribe();
    for id in tasks {
        for signals in [&inner.cancels, &inner.aborts] {
            if let Some(tx) = signals.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
                let _ = tx.send(true);
            }
        }
    }
    let deadline = tokio::time::Instant::now() + STOP_WAIT;
    loop {
        let left: Vec<TaskId> = {
            let world = inner.lock();
            tasks
                .iter()
                .copied()
                .filter(|id| world.active.contains_key(id))
                .collect()
        };
        if left.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(left);
        }
        let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
    }
}

/// Fences off the other writers still running a task (a standby's, this engine's cancel not
/// heard of or its step not ended yet, or one it accepted an instant before): its writes would
/// otherwise land in the state that replaces theirs. (The standby joins again as a new writer.)
async fn fence_other_executors(inner: &Inner) -> Result<(), EngineError> {
    let mut fenced = Vec::new();
    for task in inner.store.unfinished_tasks().await? {
        let Some(executor) = task.executor.filter(|e| Some(*e) != inner.store.writer()) else {
            continue;
        };
        if !fenced.contains(&executor) {
            inner.store.fence_writer(executor).await?;
            fenced.push(executor);
        }
    }
    Ok(())
}

/// Reads the reset resources back from the store and shows them: configured ones with their
/// spec as configured (no edits), registered and put in their state in their drivers.
async fn reload_nodes(inner: &Arc<Inner>, nodes: &[usize]) -> Result<(), EngineError> {
    let records = inner.store.resources().await?;
    let by_id: HashMap<&str, &switchboard_store::ResourceRecord> =
        records.iter().map(|r| (r.spec.id.as_str(), r)).collect();
    for &n in nodes {
        let (id, driver) = {
            let world = inner.lock();
            (world.specs[n].id.clone(), world.drivers[n].clone())
        };
        let Some(r) = by_id.get(id.as_str()) else {
            continue;
        };
        if !r.deleted {
            driver.register(&r.spec).await?;
            driver.reset(&r.spec, r.state, None).await?;
        }
        let mut world = inner.lock();
        world.specs[n] = Arc::new(r.spec.clone());
        world.nodes[n] = NodeState {
            state: r.state,
            claim: None,
            last_error: None,
            updated_at: r.updated_at,
            deleted: r.deleted,
            configured: r.configured,
        };
    }
    Ok(())
}

impl Engine {
    /// What the drivers named `driver` say of their existing resources, by id.
    pub async fn driver_states(
        &self,
        driver: &str,
    ) -> Result<BTreeMap<String, (Lifecycle, Option<String>)>, EngineError> {
        let pairs: Vec<_> = {
            let world = self.inner.lock();
            (0..world.specs.len())
                .filter(|&n| !world.nodes[n].deleted && world.specs[n].driver == driver)
                .map(|n| (world.specs[n].clone(), world.drivers[n].clone()))
                .collect()
        };
        let mut out = BTreeMap::new();
        for (spec, d) in pairs {
            let seen = d.observe(&spec).await?;
            out.insert(spec.id.clone(), (seen.state, seen.detail));
        }
        Ok(out)
    }
}
