//! Persistence behind one `Store` trait. SQLite (WAL) is the embedded default; every write goes
//! through `Store::commit`, which the SQLite implementation group-commits so that many concurrent
//! operations share one transaction and one fsync.

mod bulk;
mod changes;
mod events;
pub mod metrics;
mod records;
pub mod snapshot;
mod sqlite;
mod writer;

pub use records::*;
pub use sqlite::{SqliteStore, StoreOptions, Synchronous};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use switchboard_core::{Millis, ResourceSpec, TaskId, TaskState};

/// A server's metadata items (key → value).
pub type Metadata = BTreeMap<String, String>;

/// Changes metadata in place; `false` refuses the change and nothing is written.
pub type MetadataChange = Box<dyn FnOnce(&mut Metadata) -> bool + Send>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("the store is shutting down")]
    Closed,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Run by the writer once a commit is durable and before its events are published.
pub type OnDurable = Box<dyn FnOnce() + Send + Sync>;

/// Everything the rest of Switchboard asks of persistence. Reads may run concurrently; writes are
/// expressed as `Write`s and applied atomically by `commit`.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
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

    /// Makes the stored domains, projects and resources match the inventory: new resources are
    /// inserted in their initial state, known ones keep their state and get the new spec.
    async fn sync_inventory(
        &self,
        domains: &[(String, String)],
        projects: &[(String, String, String)],
        resources: &[ResourceSpec],
    ) -> StoreResult<()>;

    async fn resources(&self) -> StoreResult<Vec<ResourceRecord>>;

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

    async fn max_task_id(&self) -> StoreResult<TaskId>;
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
    /// Audit records matching `filter`, newest first.
    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;

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
    /// Every row of the run-time state's tables (and the identity's when `identity`), read in
    /// one transaction; see [`snapshot`].
    async fn dump(&self, identity: bool) -> StoreResult<snapshot::Tables>;
    /// The columns of the tables a snapshot may hold, by table.
    async fn snapshot_columns(&self) -> StoreResult<BTreeMap<String, Vec<snapshot::ColumnInfo>>>;
}

/// Whether someone is waiting on a commit to answer a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A caller's answer waits on it: committed before any background work that is queued.
    Answer,
    /// Engine bookkeeping (step progress, task ends): batched behind answers.
    Background,
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub project_id: Option<String>,
    pub state: Option<TaskState>,
    /// Only the task the request with this id started.
    pub request_id: Option<String>,
    /// Only tasks older than this one (keyset paging: the previous page's last id), so that a
    /// page reads its own rows, not every row before it as `offset` does.
    pub before: Option<TaskId>,
    pub limit: i64,
    pub offset: i64,
}

/// Which of a resource's tasks to read, newest first (in the order they were accepted, which
/// is their creation's): a page walks the resource's task ids down from `older_than` and
/// stops when it is full, whatever the history.
#[derive(Debug, Clone, Default)]
pub struct ResourceTaskPage {
    /// A task changed when it was last updated or a step of it on the resource last started
    /// or ended, whichever is latest; only tasks changed within these bounds (inclusive).
    pub changed_since: Option<Millis>,
    pub changed_before: Option<Millis>,
    /// Only tasks older than this one (the previous page's last).
    pub older_than: Option<TaskId>,
    /// Only tasks started by a request with one of these ids.
    pub request_ids: Option<Vec<String>>,
    pub limit: i64,
}

/// A task with a step on a resource, and its steps on that resource.
#[derive(Debug, Clone)]
pub struct ResourceTask {
    pub task: TaskRecord,
    pub steps: Vec<StepRecord>,
}

/// Which audit records to read; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub project_id: Option<String>,
    pub principal: Option<String>,
    pub action: Option<TextMatch>,
    /// A resource id or name, as recorded.
    pub target: Option<String>,
    pub outcome: Option<TextMatch>,
    /// Records at or after this time (milliseconds since the epoch).
    pub since: Option<i64>,
    /// Records at or before this time.
    pub until: Option<i64>,
    /// Records older than this id (keyset paging: the previous page's last id).
    pub before: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// A text column equal to a value, or starting with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    Exact(String),
    Prefix(String),
}

impl TextMatch {
    /// `value`, or what precedes its trailing `*` as a prefix.
    pub fn parse(value: &str) -> TextMatch {
        match value.strip_suffix('*') {
            Some(prefix) => TextMatch::Prefix(prefix.to_string()),
            None => TextMatch::Exact(value.to_string()),
        }
    }

    /// (the exact value, the prefix) as bound parameters.
    pub fn split(m: Option<&TextMatch>) -> (Option<&str>, Option<&str>) {
        match m {
            Some(TextMatch::Exact(v)) => (Some(v), None),
            Some(TextMatch::Prefix(p)) => (None, Some(p)),
            None => (None, None),
        }
    }
}
