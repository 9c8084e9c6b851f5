//! The SQLite store: WAL mode, a pool of readers and one group-committing writer.

mod admin;
mod faults;
mod groups;
mod identity;
mod identity_store;
mod inventory;
mod json_rows;
mod metadata;
mod open;
mod policies;
mod rows;
mod tasks;
mod transitions;

pub use open::{StoreOptions, Synchronous};

use crate::events::EventHub;
use crate::writer::WriterHandle;
use crate::{
    AuditRecord, AuditStore, CommitStore, ControlStore, Event, EventFilter, EventStore,
    InventoryStore, OnDurable, Priority, ResourceRecord, SnapshotStore, StepRecord, StoreResult,
    TaskFilter, TaskRecord, TaskStore, Write,
};
pub(crate) use faults::apply as apply_fault;
use sqlx::sqlite::SqlitePool;
use std::sync::Arc;
use switchboard_core::{ResourceSpec, TaskId};
use tokio::sync::broadcast;
pub(crate) use transitions::apply as apply_transition;

pub struct SqliteStore {
    pool: SqlitePool,
    writer: WriterHandle,
    events: EventHub,
    /// `resource_metadata` in memory.
    metadata: metadata::Cache,
}

#[async_trait::async_trait]
impl CommitStore for SqliteStore {
    async fn commit(&self, writes: Vec<Write>, priority: Priority) -> StoreResult<()> {
        // Resets and restores rewrite metadata rows: the cache follows them in commit order.
        if let Some(touch) = metadata::Touch::of(&writes) {
            let commit = self.writer.commit(writes, priority, None);
            return self.metadata.around_commit(&self.pool, touch, commit).await;
        }
        self.writer.commit(writes, priority, None).await
    }

    async fn commit_then(
        &self,
        writes: Vec<Write>,
        priority: Priority,
        on_durable: OnDurable,
    ) -> StoreResult<()> {
        debug_assert!(
            metadata::Touch::of(&writes).is_none(),
            "not for metadata rows"
        );
        self.writer.commit(writes, priority, Some(on_durable)).await
    }

    fn enqueue(&self, writes: Vec<Write>) {
        self.writer.enqueue(writes);
    }
}

#[async_trait::async_trait]
impl InventoryStore for SqliteStore {
    async fn sync_inventory(
        &self,
        domains: &[(String, String)],
        projects: &[(String, String, String)],
        resources: &[ResourceSpec],
    ) -> StoreResult<()> {
        inventory::sync(&self.pool, domains, projects, resources).await
    }

    async fn resources(&self) -> StoreResult<Vec<ResourceRecord>> {
        inventory::resources(&self.pool).await
    }

    async fn metadata(&self, resource_id: &str) -> StoreResult<Option<crate::Metadata>> {
        Ok(self.metadata.metadata(resource_id))
    }

    async fn metadata_of(
        &self,
        resource_ids: &[String],
    ) -> StoreResult<std::collections::HashMap<String, crate::Metadata>> {
        Ok(self.metadata.metadata_of(resource_ids))
    }

    async fn update_metadata(
        &self,
        resource_id: &str,
        seed: &crate::Metadata,
        change: crate::MetadataChange,
    ) -> StoreResult<Option<crate::Metadata>> {
        metadata::update_metadata(&self.pool, &self.metadata, resource_id, seed, change).await
    }
}

#[async_trait::async_trait]
impl TaskStore for SqliteStore {
    async fn reserve_task_ids(&self) -> StoreResult<std::ops::Range<TaskId>> {
        Ok(tasks::max_task_id(&self.pool).await? + 1..TaskId::MAX)
    }

    async fn task(&self, id: TaskId) -> StoreResult<Option<TaskRecord>> {
        tasks::task(&self.pool, id).await
    }

    async fn steps(&self, task_id: TaskId) -> StoreResult<Vec<StepRecord>> {
        tasks::steps(&self.pool, task_id).await
    }

    async fn tasks(&self, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>> {
        tasks::tasks(&self.pool, filter).await
    }

    async fn unfinished_tasks(&self) -> StoreResult<Vec<TaskRecord>> {
        tasks::unfinished_tasks(&self.pool).await
    }

    async fn resource_tasks(
        &self,
        resource_id: &str,
        page: &crate::ResourceTaskPage,
    ) -> StoreResult<Vec<crate::ResourceTask>> {
        tasks::resource_tasks(&self.pool, resource_id, page).await
    }
}

#[async_trait::async_trait]
impl AuditStore for SqliteStore {
    async fn audit(&self, f: &crate::AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        use crate::TextMatch;
        let (action, action_prefix) = TextMatch::split(f.action.as_ref());
        let (outcome, outcome_prefix) = TextMatch::split(f.outcome.as_ref());
        // Prefixes compare with substr, not LIKE, so `%` and `_` in them stay literal.
        sqlx::query(
            "SELECT * FROM audit WHERE (?1 IS NULL OR project_id = ?1) \
             AND (?2 IS NULL OR principal = ?2) \
             AND (?3 IS NULL OR action = ?3) \
             AND (?4 IS NULL OR substr(action, 1, length(?4)) = ?4) \
             AND (?5 IS NULL OR target = ?5) \
             AND (?6 IS NULL OR outcome = ?6) \
             AND (?7 IS NULL OR substr(outcome, 1, length(?7)) = ?7) \
             AND (?8 IS NULL OR at >= ?8) AND (?9 IS NULL OR at <= ?9) \
             AND id < ?12 ORDER BY id DESC LIMIT ?10 OFFSET ?11",
        )
        .bind(f.project_id.as_deref())
        .bind(f.principal.as_deref())
        .bind(action)
        .bind(action_prefix)
        .bind(f.target.as_deref())
        .bind(outcome)
        .bind(outcome_prefix)
        .bind(f.since)
        .bind(f.until)
        .bind(f.limit)
        .bind(f.offset)
        .bind(f.before.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rows::audit)
        .collect()
    }
}

#[async_trait::async_trait]
impl EventStore for SqliteStore {
    fn subscribe_events(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.sender.subscribe()
    }

    fn last_event_seq(&self) -> i64 {
        self.events
            .published
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn events_after(
        &self,
        filter: &EventFilter,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        crate::events::after(&self.pool, filter, after, limit).await
    }

    async fn oldest_event_seq(&self) -> StoreResult<Option<i64>> {
        crate::events::oldest(&self.pool).await
    }
}

#[async_trait::async_trait]
impl ControlStore for SqliteStore {
    async fn transitions(&self) -> StoreResult<Vec<switchboard_core::transitions::Transition>> {
        transitions::settings(&self.pool).await
    }

    async fn clock_offset(&self) -> StoreResult<i64> {
        transitions::clock_offset(&self.pool).await
    }

    async fn fault_rules(&self) -> StoreResult<Vec<switchboard_core::faults::StoredRule>> {
        faults::rules(&self.pool).await
    }

    async fn fault_firings(
        &self,
        projects: Option<&[String]>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<switchboard_core::faults::FaultFiring>> {
        faults::firings(&self.pool, projects, limit, offset).await
    }
}

#[async_trait::async_trait]
impl SnapshotStore for SqliteStore {
    async fn dump(&self, identity: bool) -> StoreResult<crate::snapshot::Tables> {
        crate::snapshot::dump(&self.pool, identity).await
    }

    async fn snapshot_columns(
        &self,
    ) -> StoreResult<std::collections::BTreeMap<String, Vec<crate::snapshot::ColumnInfo>>> {
        crate::snapshot::columns(&self.pool).await
    }
}
