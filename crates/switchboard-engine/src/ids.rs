//! New tasks' ids: handed out in order from a block the store reserved (on PostgreSQL, one no
//! other replica holds), taking the next block when this one is used up.

use std::ops::Range;
use std::sync::Mutex;
use switchboard_core::TaskId;
use switchboard_store::{Store, StoreResult};

pub(crate) struct TaskIds {
    block: Mutex<Range<TaskId>>,
    /// Held while a block is reserved, so that one caller reserves it and the others wait.
    reserving: tokio::sync::Mutex<()>,
}

impl TaskIds {
    pub async fn reserve(store: &dyn Store) -> StoreResult<TaskIds> {
        Ok(TaskIds {
            block: Mutex::new(store.reserve_task_ids().await?),
            reserving: tokio::sync::Mutex::new(()),
        })
    }

    /// The next id (called under the world lock: tasks are created in the order of their ids);
    /// `None` when the block is used up.
    pub fn take(&self) -> Option<TaskId> {
        self.block.lock().unwrap_or_else(|p| p.into_inner()).next()
    }

    /// Reserves the next block unless another caller already did (`spent` was the block seen
    /// used up, or after a restore, the one to replace).
    pub async fn renew(&self, store: &dyn Store, spent: bool) -> StoreResult<()> {
        let _one = self.reserving.lock().await;
        if spent
            && !self
                .block
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
        {
            return Ok(());
        }
        let block = store.reserve_task_ids().await?;
        *self.block.lock().unwrap_or_else(|p| p.into_inner()) = block;
        Ok(())
    }
}
