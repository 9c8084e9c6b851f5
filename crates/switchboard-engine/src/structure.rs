//! Resources another writer created, changed or deleted (`follow`): the world takes them from
//! the store as it holds them now, whatever the event said, so that late or repeated events
//! cannot undo a later change.

use crate::world::NodeState;
use crate::{driver_for, EngineError, Inner};
use std::sync::Arc;

/// Brings resource `id` in the world up to the store: added with its driver when new, its spec
/// replaced when changed, hidden when deleted.
pub(crate) async fn resource_changed(inner: &Inner, id: &str) -> Result<(), EngineError> {
    let Some(record) = inner.store.resource(id).await? else {
        return Ok(());
    };
    let known = inner.lock().graph.index_of(id);
    match known {
        Some(node) => {
            let mut world = inner.lock();
            world.specs[node] = Arc::new(record.spec);
            world.nodes[node].deleted = record.deleted;
        }
        None if !record.deleted => {
            let driver = driver_for(&inner.registry, &record.spec)?;
            driver.register(&record.spec).await?;
            let node = NodeState::from_record(&record);
            let added = inner.lock().push(Arc::new(record.spec), driver, node);
            if let Err(err) = added {
                tracing::warn!(%err, resource = id, "cannot add another replica's resource");
            }
        }
        None => {}
    }
    inner.notify_changed();
    Ok(())
}
