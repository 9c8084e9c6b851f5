//! Resources created and deleted through the API (Live flows, DB O&M instances).

use crate::world::NodeState;
use crate::{events, Engine, EngineError, Inner};
use std::sync::Arc;
use switchboard_core::{now_millis, ResourceSpec, TaskId};
use switchboard_store::{AuditRecord, Priority, StoreError, Write};

#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    #[error("resource {0} already exists")]
    Exists(String),
    #[error("resource {0} does not exist")]
    Unknown(String),
    #[error("resource {resource} is busy with command {task}")]
    Busy { resource: String, task: TaskId },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl Engine {
    /// Adds a resource in its initial state; it is durable before this returns.
    pub async fn add_resource(
        &self,
        spec: ResourceSpec,
        audit: AuditRecord,
    ) -> Result<(), ResourceError> {
        let inner = &self.inner;
        let _gate = inner.gate.read().await;
        let driver = crate::driver_for(&inner.registry, &spec)?;
        driver.register(&spec).await.map_err(EngineError::from)?;
        // Hidden until durable.
        let hidden = NodeState {
            state: spec.initial_state,
            claim: None,
            last_error: None,
            updated_at: switchboard_core::now_millis(),
            deleted: true,
            configured: false,
        };
        let node = inner
            .lock()
            .push(Arc::new(spec.clone()), driver, hidden)
            .map_err(|e| match e {
                switchboard_core::GraphError::Duplicate(id) => ResourceError::Exists(id),
                other => ResourceError::Engine(EngineError::Inventory(other.to_string())),
            })?;
        let state = spec.initial_state;
        let created = events::resource_event("resource.created", &spec, state, None);
        let writes = vec![
            Write::InsertResource {
                spec,
                state,
                at: now_millis(),
            },
            created,
            Write::Audit(audit),
        ];
        commit_then(inner, writes, move |inner, committed| {
            if committed {
                inner.lock().nodes[node].deleted = false;
            }
        })
        .await
    }

    /// Deletes a resource no task holds.
    pub async fn remove_resource(&self, id: &str, audit: AuditRecord) -> Result<(), ResourceError> {
        let inner = &self.inner;
        let _gate = inner.gate.read().await;
        let node = {
            let mut world = inner.lock();
            let node = world
                .index_of(id)
                .ok_or_else(|| ResourceError::Unknown(id.to_string()))?;
            if let Some((task, _)) = world.nodes[node].claim {
                return Err(ResourceError::Busy {
                    resource: id.to_string(),
                    task,
                });
            }
            world.nodes[node].deleted = true;
            let deleted = events::resource_event(
                "resource.deleted",
                &world.specs[node],
                world.nodes[node].state,
                None,
            );
            (node, deleted)
        };
        let (node, deleted) = node;
        let writes = vec![
            Write::DeleteResource {
                id: id.to_string(),
                at: now_millis(),
            },
            deleted,
            Write::Audit(audit),
        ];
        let removed = commit_then(inner, writes, move |inner, committed| {
            if !committed {
                inner.lock().nodes[node].deleted = false;
            }
        });
        // Another replica's task, not heard of here yet, may hold it in the database.
        removed.await.map_err(|e| match e {
            ResourceError::Engine(EngineError::Store(StoreError::Claimed { resource, task })) => {
                ResourceError::Busy { resource, task }
            }
            e => e,
        })
    }
}

/// Commits `writes` and applies `then` to the world on a task of its own, so that a caller who
/// goes away mid-commit cannot leave the world disagreeing with the store.
pub(crate) async fn commit_then(
    inner: &Arc<Inner>,
    writes: Vec<Write>,
    then: impl FnOnce(&Inner, bool) + Send + 'static,
) -> Result<(), ResourceError> {
    let inner = inner.clone();
    let done = tokio::spawn(async move {
        let result = inner.store.commit(writes, Priority::Answer).await;
        then(&inner, result.is_ok());
        inner.notify_changed();
        result
    });
    match done.await {
        Ok(result) => Ok(result.map_err(EngineError::from)?),
        Err(join) => Err(EngineError::Internal(join.to_string()).into()),
    }
}
