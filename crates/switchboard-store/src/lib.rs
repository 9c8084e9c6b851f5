//! Persistence behind one `Store` trait. SQLite (WAL) is the embedded default; every write goes
//! through `Store::commit`, which the SQLite implementation group-commits so that many concurrent
//! operations share one transaction and one fsync.

mod bulk;
mod changes;
mod decode;
mod events;
mod grouped;
pub mod metrics;
mod postgres;
mod records;
mod seams;
pub mod snapshot;
mod sqlite;
mod writer;

pub use postgres::{PgSimJournal, PgStore, Replica};
pub use records::*;
pub use seams::{
    AuditStore, CommitStore, ControlStore, EventStore, IdentityStore, InventoryStore,
    SnapshotStore, Store, TaskStore,
};
pub use sqlite::{SqliteStore, StoreOptions, Synchronous};

use std::collections::BTreeMap;
use switchboard_core::{Millis, TaskId, TaskState};

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
    #[error("{0}")]
    InUse(&'static str),
    /// A replica that does not agree with the database's other replicas (inventory, key).
    #[error("{0}")]
    Disagrees(String),
    /// An accept refused by the database: another task (of any replica) holds `resource`.
    #[error("{resource} is held by task {task}")]
    Claimed { resource: String, task: TaskId },
    /// An accept refused by the database: `resource` was deleted (by any replica).
    #[error("{resource} was deleted")]
    Deleted { resource: String },
}

impl StoreError {
    /// Whether the database refused an accept for a claim it cannot take (not a failure).
    pub fn refuses_an_accept(&self) -> bool {
        matches!(
            self,
            StoreError::Claimed { .. } | StoreError::Deleted { .. }
        )
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Run by the writer once a commit is durable and before its events are published.
pub type OnDurable = Box<dyn FnOnce() + Send + Sync>;

/// Applies, on one replica, a change another announced ([`CommitStore::announce_shared`]).
pub type SharedApply = std::sync::Arc<dyn Fn(SharedChange) + Send + Sync>;

/// What the replicas share after the newest announced change: the principals cached for tokens
/// are to be forgotten whatever it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedChange {
    /// Whether the test team's controls (fault rules, transitions, the clock) are set.
    pub controls: bool,
    /// Resets and restores so far: a replica that saw fewer reads its world again.
    pub reloads: i64,
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
