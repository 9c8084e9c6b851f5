//! What the rest of Switchboard asks of persistence, one trait per seam of the state, so that a
//! second backend is written (and a caller narrowed) one seam at a time. `Store` bundles them:
//! `Arc<dyn Store>` reaches every method without importing the seams.

use crate::{
    snapshot, AuditFilter, AuditRecord, CredentialRecord, DomainRecord, Event, EventFilter,
    Metadata, MetadataChange, OnDurable, Priority, ProjectRecord, ResourceRecord, ResourceTask,
    ResourceTaskPage, StepRecord, StoreResult, TaskFilter, TaskRecord, TokenRecord, UserRecord,
    UserUpdate, Write,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use switchboard_core::{ResourceSpec, TaskId};

/// Everything the rest of Switchboard asks of persistence. Reads may run concurrently; writes are
/// expressed as `Write`s and applied atomically by `commit`.
pub trait Store:
    CommitStore
    + InventoryStore
    + IdentityStore
    + TaskStore
    + AuditStore
    + EventStore
    + ControlStore
    + SnapshotStore
    + 'static
{
}

impl<T> Store for T where
    T: CommitStore
        + InventoryStore
        + IdentityStore
        + TaskStore
        + AuditStore
        + EventStore
        + ControlStore
        + SnapshotStore
        + 'static
{
}

/// Writes: every change to the run-time state goes through here, atomically and durably.
#[async_trait::async_trait]
pub trait CommitStore: Send + Sync {
    /// Applies all `writes` in one transaction; returns once they are durable.
    async fn commit(&self, writes: Vec<Write>, priority: Priority) -> StoreResult<()>;
    /// `commit`, running `on_durable` once the writes are durable and before their events are
    /// published, so that whoever hears of them finds memory already agreeing. Not run when the
    /// commit fails.
    async fn commit_then(
        &self,
        writes: Vec<Write>,
        priority: Priority,
        on_durable: OnDurable,
    ) -> StoreResult<()>;
    /// Queues background `writes` without waiting. Background writes become durable in the
    /// order they were queued or committed (answers may overtake them). A failure is logged.
    fn enqueue(&self, writes: Vec<Write>);
    /// Becomes `true` when another replica took the database over from this one, which then
    /// writes nothing more (PostgreSQL); `None` where no other replica can (SQLite).
    fn lease_lost(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        None
    }
    /// Waits until this replica may act on the world outside the database (a driver's command
    /// to a real system, which no fencing token reaches): `true` while its lease is known to
    /// hold, `false` once lost. Where no other replica can take over (SQLite): `true` at once.
    async fn may_act(&self) -> bool {
        true
    }
    /// Whether this replica's lease surely holds now, on its own clock (`true` where there is
    /// none: SQLite). Past it, another replica may have taken over or removed it, and changes
    /// it did not apply may have made what it keeps in memory stale (a revoked token cached).
    fn lease_surely_held(&self) -> bool {
        true
    }
    /// Announces a change to what every replica keeps in memory (cached principals; with
    /// `controls`, whether the test team's controls are set; with `reload`, a reset or restore
    /// of the world) and returns once every live replica has applied it, or after a bound.
    /// Nothing to do where no other replica runs (SQLite).
    async fn announce_shared(&self, controls: Option<bool>, reload: bool) -> StoreResult<()> {
        let _ = (controls, reload);
        Ok(())
    }
    /// What applies the changes other replicas announce, here; set once.
    fn on_shared(&self, apply: crate::SharedApply) {
        let _ = apply;
    }
    /// On a database several writers share, the leader's writer (its token), which runs every
    /// task no other writer can: this writer's own on the leader, the leader's as last seen
    /// beside it. `None` where one server runs everything (SQLite).
    fn leader(&self) -> Option<i64> {
        None
    }
    /// Claims, for this writer, those of `tasks` that no live writer runs (their executor is
    /// unset, or its lease expired and its row is gone), skipping any another claimer holds
    /// locked; the ones claimed. Nothing where one server runs everything (SQLite).
    async fn claim_tasks(
        &self,
        tasks: &[switchboard_core::TaskId],
    ) -> StoreResult<Vec<switchboard_core::TaskId>> {
        let _ = tasks;
        Ok(Vec::new())
    }
    /// Lets task `id`, which this writer runs, go to whichever writer can run it and claims it
    /// next (its executor is unset). Nothing where one server runs everything (SQLite).
    async fn let_go(&self, id: switchboard_core::TaskId) -> StoreResult<()> {
        let _ = id;
        Ok(())
    }
    /// Fences off writer `token` beside the leader now, as if its lease had expired: nothing it
    /// writes from then on lands (its writes in flight commit first). Nothing where one server
    /// runs everything (SQLite).
    async fn fence_writer(&self, token: i64) -> StoreResult<()> {
        let _ = token;
        Ok(())
    }
}

/// The resources the inventory declares, with their state and metadata.
#[async_trait::async_trait]
pub trait InventoryStore: Send + Sync {
    /// Makes the stored domains, projects and resources match the inventory: new resources are
    /// inserted in their initial state, known ones keep their state and get the new spec.
    async fn sync_inventory(
        &self,
        domains: &[(String, String)],
        projects: &[(String, String, String)],
        resources: &[ResourceSpec],
    ) -> StoreResult<()>;
    async fn resources(&self) -> StoreResult<Vec<ResourceRecord>>;
    /// One resource as [`InventoryStore::resources`] reads it (deleted ones too).
    async fn resource(&self, id: &str) -> StoreResult<Option<ResourceRecord>> {
        Ok(self
            .resources()
            .await?
            .into_iter()
            .find(|r| r.spec.id == id))
    }
    /// A resource's stored metadata; `None` until first written (the inventory's applies).
    async fn metadata(&self, resource_id: &str) -> StoreResult<Option<Metadata>>;
    /// The stored metadata of each of `resource_ids` that has some.
    async fn metadata_of(&self, resource_ids: &[String]) -> StoreResult<HashMap<String, Metadata>>;
    /// Applies `change` atomically to the resource's metadata (`seed` when never written);
    /// the result, or `None` when `change` refused and nothing was written.
    async fn update_metadata(
        &self,
        resource_id: &str,
        seed: &Metadata,
        change: MetadataChange,
    ) -> StoreResult<Option<Metadata>>;
}

/// Users, domains, projects, roles, policies, tokens and AK/SK credentials.
#[async_trait::async_trait]
pub trait IdentityStore: Send + Sync {
    async fn user_by_name(
        &self,
        domain_name: &str,
        user_name: &str,
    ) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRecord>>;
    async fn upsert_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn assign_role(&self, user_id: &str, project_id: &str, role: &str) -> StoreResult<()>;
    async fn roles(&self, user_id: &str, project_id: &str) -> StoreResult<Vec<String>>;
    /// Replaces every role of the user with `roles` (project id, role).
    async fn set_roles(&self, user_id: &str, roles: &[(String, String)]) -> StoreResult<()>;
    async fn upsert_policy(&self, name: &str, document: &str) -> StoreResult<()>;
    /// Every policy as (name, JSON document).
    async fn policies(&self) -> StoreResult<Vec<(String, String)>>;
    /// Deletes a policy and detaches it from every user; whether it existed.
    async fn delete_policy(&self, name: &str) -> StoreResult<bool>;
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Applies a change to a user (its record, roles, policies, system role, tokens) in one
    /// transaction; false, with nothing written, when the user to change no longer exists.
    async fn save_user(&self, update: &UserUpdate) -> StoreResult<bool>;
    /// Whether the user holds the system administrator role.
    async fn is_system_admin(&self, user_id: &str) -> StoreResult<bool>;
    async fn set_system_admin(&self, user_id: &str, system_admin: bool) -> StoreResult<()>;
    /// Deletes a user with its roles, policies, tokens and credentials; whether it existed.
    async fn delete_user(&self, user_id: &str) -> StoreResult<bool>;
    /// The user's roles as (project id, role).
    async fn all_roles(&self, user_id: &str) -> StoreResult<Vec<(String, String)>>;
    /// Names of the policies attached to the user.
    async fn user_policy_names(&self, user_id: &str) -> StoreResult<Vec<String>>;
    /// Replaces the policies attached to the user.
    async fn set_user_policies(&self, user_id: &str, policies: &[String]) -> StoreResult<()>;
    /// The JSON documents of the policies attached to the user.
    async fn user_policy_documents(&self, user_id: &str) -> StoreResult<Vec<String>>;
    async fn domain(&self, id_or_name: &str) -> StoreResult<Option<DomainRecord>>;
    async fn project(&self, id: &str) -> StoreResult<Option<ProjectRecord>>;
    async fn project_by_name(
        &self,
        name: &str,
        domain_id: Option<&str>,
    ) -> StoreResult<Vec<ProjectRecord>>;
    async fn insert_token(&self, token: &TokenRecord) -> StoreResult<()>;
    async fn insert_credential(&self, credential: &CredentialRecord) -> StoreResult<()>;
    async fn credential(&self, access_key: &str) -> StoreResult<Option<CredentialRecord>>;
    async fn credentials_of(&self, user_id: &str) -> StoreResult<Vec<CredentialRecord>>;
    /// Whether a credential was deleted.
    async fn delete_credential(&self, access_key: &str) -> StoreResult<bool>;
    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// Revokes a token; whether it existed.
    async fn delete_token(&self, token_hash: &str) -> StoreResult<bool>;
    /// Projects in which the user holds any role.
    async fn projects_of_user(&self, user_id: &str) -> StoreResult<Vec<ProjectRecord>>;
    /// Every domain, by id (Keystone's reads for administrators).
    async fn domains(&self) -> StoreResult<Vec<DomainRecord>>;
    /// Every project, by id (Keystone's reads for administrators).
    async fn projects(&self) -> StoreResult<Vec<ProjectRecord>>;
}

/// Tasks and their steps, as committed.
#[async_trait::async_trait]
pub trait TaskStore: Send + Sync {
    /// Ids for new tasks, above every id handed out before, to be handed out in order: SQLite
    /// (one writer) counts on from the largest stored id; PostgreSQL hands each caller a block
    /// of its own, so that replicas never share an id. Asked again when used up, or after a
    /// restore.
    async fn reserve_task_ids(&self) -> StoreResult<std::ops::Range<TaskId>>;
    async fn task(&self, id: TaskId) -> StoreResult<Option<TaskRecord>>;
    async fn steps(&self, task_id: TaskId) -> StoreResult<Vec<StepRecord>>;
    /// Tasks newest first, optionally of one project and state and older than `before`, at most
    /// `limit` after `offset`.
    async fn tasks(&self, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>>;
    async fn unfinished_tasks(&self) -> StoreResult<Vec<TaskRecord>>;
    /// One page of the tasks with a step on the resource, newest first, each with its steps
    /// there (Nova's instance actions).
    async fn resource_tasks(
        &self,
        resource_id: &str,
        page: &ResourceTaskPage,
    ) -> StoreResult<Vec<ResourceTask>>;
}

/// The audit trail.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Audit records matching `filter`, newest first.
    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;
}

/// The event log: published as it becomes durable, retained for replay.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync {
    /// Events as their transactions become durable, in `seq` order. A receiver that lags
    /// behind loses the oldest and reads them back with `events_after`.
    fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<Arc<Event>>;
    /// The newest published event's seq (0 before the first): every later one is still to be
    /// sent to subscribers.
    fn last_event_seq(&self) -> i64;
    /// Retained events after `after` that match `filter`, oldest first, at most `limit`.
    async fn events_after(
        &self,
        filter: &EventFilter,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Event>>;
    /// The oldest retained event's seq; `None` when none is.
    async fn oldest_event_seq(&self) -> StoreResult<Option<i64>>;
    /// This store's writer, when other writers may commit to its database too (replicas on
    /// PostgreSQL): their events are published with its own, in order, each naming its writer.
    fn writer(&self) -> Option<i64> {
        None
    }
}

/// The test team's controls of the simulated world: transitions, its clock, fault rules.
#[async_trait::async_trait]
pub trait ControlStore: Send + Sync {
    /// The transition settings of the simulated world, oldest first.
    async fn transitions(&self) -> StoreResult<Vec<switchboard_core::transitions::Transition>>;
    /// The simulated clock's offset from the wall clock, in milliseconds (0 when never moved).
    async fn clock_offset(&self) -> StoreResult<i64>;
    /// The fault rules in force, in order, with their counters.
    async fn fault_rules(&self) -> StoreResult<Vec<switchboard_core::faults::StoredRule>>;
    /// Fault firings, newest first, at most `limit` after `offset`; only those in `projects`
    /// when given.
    async fn fault_firings(
        &self,
        projects: Option<&[String]>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<switchboard_core::faults::FaultFiring>>;
}

/// Whole-state reads for snapshots.
#[async_trait::async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Every row of the run-time state's tables (and the identity's when `identity`), read in
    /// one transaction; see [`snapshot`].
    async fn dump(&self, identity: bool) -> StoreResult<snapshot::Tables>;
    /// The columns of the tables a snapshot may hold, by table.
    async fn snapshot_columns(&self) -> StoreResult<BTreeMap<String, Vec<snapshot::ColumnInfo>>>;
}
