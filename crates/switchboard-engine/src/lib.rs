//! The durable task engine. Every lifecycle operation becomes a task row, written together with
//! the resources' pending transition before the caller is answered; the plan (a DAG of steps)
//! then runs through the drivers, every ready step at once, and resumes after a restart.

mod adopt;
mod batch;
mod claimed;
mod config;
mod dag;
mod edits;
mod events;
mod executors;
mod flavors;
mod follow;
mod ids;
mod images;
mod index;
pub mod metrics;
mod monitor;
mod pages;
mod preview;
mod reset;
mod resources;
mod runner;
mod settle;
mod step;
mod structure;
mod submit;
mod view;
mod world;
mod zones;

pub use config::EngineConfig;
pub use edits::ResourceEdit;
pub use events::{step_json, task_json, task_object};
pub use flavors::{server_flavor, NamedFlavor};
pub use images::{ImagePage, ImageQuery, ProjectImage};
pub use pages::{PageQuery, ResourcePage, UnknownMarker};
pub use preview::{Preview, PreviewStep};
pub use reset::{ResetOutcome, ResetScope};
pub use resources::ResourceError;
pub use submit::{Operation, SubmitError, Submitted};
pub use view::{ResourceSnapshot, StepView, TaskView};
pub use zones::ZoneHosts;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchboard_core::inventory::resource_graph;
use switchboard_core::{Driver, ResourceSpec, TaskId};
use switchboard_store::{Priority, Store, StoreError, Write};
use tokio::sync::watch;
use world::{NodeState, World};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("inventory: {0}")]
    Inventory(String),
    #[error("no driver named {driver} (resource {resource})")]
    UnknownDriver { driver: String, resource: String },
    #[error("driver: {0}")]
    Driver(#[from] switchboard_core::DriverError),
    #[error("internal: {0}")]
    Internal(String),
}

/// Cheap to clone; all clones share one engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: Arc<dyn Store>,
    config: EngineConfig,
    /// Drivers by name, for resources created at run time.
    registry: HashMap<String, Arc<dyn Driver>>,
    world: Mutex<World>,
    /// New tasks' ids.
    ids: ids::TaskIds,
    /// Bumped whenever a resource's state or claim changes; follow steps wait on it.
    changed: watch::Sender<u64>,
    /// Highest progress reported per task, so that estimates never go backwards.
    progress_seen: Mutex<HashMap<TaskId, f64>>,
    cancels: Mutex<HashMap<TaskId, watch::Sender<bool>>>,
    /// Set for a task a reset or restore stops: its running steps are dropped, not awaited.
    aborts: Mutex<HashMap<TaskId, watch::Sender<bool>>>,
    /// Read-held by every change of the world (submissions, resources created or deleted);
    /// write-held by a reset or restore, so that none lands halfway through one.
    gate: tokio::sync::RwLock<()>,
    /// Held by one resource edit at a time, from its decision until it is visible.
    edits: Arc<tokio::sync::Mutex<()>>,
    /// Whether this engine can run any task (the leader, or the one server); one beside the
    /// leader runs only tasks on resources every replica reaches (`executors`).
    runs_all: bool,
    /// Set when this engine hands its tasks over (its replica leaves): no step starts, and
    /// each task stops once its running steps have ended and been written (`executors`).
    handing_over: watch::Sender<bool>,
}

fn driver_for(
    drivers: &HashMap<String, Arc<dyn Driver>>,
    spec: &ResourceSpec,
) -> Result<Arc<dyn Driver>, EngineError> {
    drivers
        .get(&spec.driver)
        .cloned()
        .ok_or_else(|| EngineError::UnknownDriver {
            driver: spec.driver.clone(),
            resource: spec.id.clone(),
        })
}

impl Engine {
    /// Loads the resources already synced into `store`, registers them with their drivers and
    /// resumes every task that was accepted but not finished.
    pub async fn open(
        store: Arc<dyn Store>,
        drivers: HashMap<String, Arc<dyn Driver>>,
        config: EngineConfig,
    ) -> Result<Engine, EngineError> {
        Self::open_with(store, drivers, config, true).await
    }

    /// An engine beside the leader's, on a database other writers share
    /// (`PgStore::open_member`): it accepts operations, runs those whose resources every
    /// replica reaches (and those it claims when their runner's lease expired), and leaves the
    /// rest to the leader's engine. Its world follows what the others commit.
    pub async fn open_beside(
        store: Arc<dyn Store>,
        drivers: HashMap<String, Arc<dyn Driver>>,
        config: EngineConfig,
    ) -> Result<Engine, EngineError> {
        Self::open_with(store, drivers, config, false).await
    }

    async fn open_with(
        store: Arc<dyn Store>,
        drivers: HashMap<String, Arc<dyn Driver>>,
        config: EngineConfig,
        runs_all: bool,
    ) -> Result<Engine, EngineError> {
        let following = follow::subscribe(store.as_ref());
        let records = store.resources().await?;
        // Each record is split into its spec and its node: nothing is copied.
        let mut specs = Vec::with_capacity(records.len());
        let mut nodes = Vec::with_capacity(records.len());
        for r in records {
            nodes.push(NodeState::from_record(&r));
            specs.push(Arc::new(r.spec));
        }
        let graph = resource_graph(specs.iter().map(|s| s.as_ref()))
            .map_err(|e| EngineError::Inventory(e.to_string()))?;
        let mut node_drivers = Vec::with_capacity(specs.len());
        for (spec, node) in specs.iter().zip(&nodes) {
            let driver = driver_for(&drivers, spec)?;
            if !node.deleted {
                driver.register(spec).await?;
            }
            node_drivers.push(driver);
        }
        let ids = ids::TaskIds::reserve(store.as_ref()).await?;
        let inner = Arc::new(Inner {
            store,
            config,
            registry: drivers,
            world: Mutex::new(World::new(graph, specs, node_drivers, nodes)),
            ids,
            changed: watch::channel(0).0,
            progress_seen: Mutex::new(HashMap::new()),
            cancels: Mutex::new(HashMap::new()),
            aborts: Mutex::new(HashMap::new()),
            gate: tokio::sync::RwLock::new(()),
            edits: Arc::new(tokio::sync::Mutex::new(())),
            runs_all,
            handing_over: watch::channel(false).0,
        });
        adopt::recover(&inner).await?;
        if runs_all {
            monitor::spawn(&inner);
        }
        follow::spawn(&inner, following);
        executors::spawn(&inner);
        Ok(Engine { inner })
    }

    /// Records an audit entry on its own (operations record theirs with the task).
    pub async fn audit(&self, record: switchboard_store::AuditRecord) -> Result<(), EngineError> {
        Ok(self
            .inner
            .store
            .commit(vec![Write::Audit(record)], Priority::Answer)
            .await?)
    }
}

impl Inner {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The node of an existing resource.
    pub(crate) fn index_of(&self, resource_id: &str) -> Option<usize> {
        self.lock().index_of(resource_id)
    }

    pub(crate) fn notify_changed(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }
}
