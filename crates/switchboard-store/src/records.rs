//! Plain records the store reads and writes.

use switchboard_core::{Action, Lifecycle, Millis, ResourceSpec, StepState, TaskId, TaskState};

#[derive(Debug, Clone, PartialEq)]
pub struct DomainRecord {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    pub id: String,
    pub name: String,
    pub domain_id: String,
}

/// A user; `password_hash` is an Argon2id PHC string, never the password.
#[derive(Clone, PartialEq)]
pub struct UserRecord {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: Millis,
}

/// A change to one user, applied whole by `Store::save_user`; `None` leaves that part as it is.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    /// The user: inserted when `create`, else it must still exist.
    pub user: UserRecord,
    pub create: bool,
    /// Writes `user.password_hash` (a new user's always is).
    pub set_password: bool,
    /// The user's roles, (project id, role) …
    pub roles: Option<Vec<(String, String)>>,
    /// … replacing only those in these projects (`None`: every role), so that a project
    /// administrator never rewrites roles elsewhere from a stale read.
    pub roles_within: Option<Vec<String>>,
    /// Names of the policies attached to the user.
    pub policies: Option<Vec<String>>,
    pub system_admin: Option<bool>,
    /// Revokes every token of the user (a password change does, as in Keystone).
    pub revoke_tokens: bool,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("domain_id", &self.domain_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq)]
pub struct TokenRecord {
    pub token_hash: String,
    pub user_id: String,
    pub project_id: Option<String>,
    pub issued_at: Millis,
    pub expires_at: Millis,
}

impl std::fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("user_id", &self.user_id)
            .field("project_id", &self.project_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRecord {
    pub spec: ResourceSpec,
    pub state: Lifecycle,
    pub deleted: bool,
    /// Declared by the inventory (else created through the API).
    pub configured: bool,
    pub active_task: Option<TaskId>,
    pub last_error: Option<String>,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub id: TaskId,
    pub project_id: String,
    /// Which family created it (`mrs.service`, …).
    pub kind: String,
    pub action: Action,
    /// The first target (kept for listings).
    pub target_id: Option<String>,
    /// Every target of the operation.
    pub targets: Vec<String>,
    pub only_self: bool,
    pub principal: String,
    pub request_id: String,
    pub state: TaskState,
    /// 0–100.
    pub progress: f64,
    pub error: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub finished_at: Option<Millis>,
    /// A cancel was accepted: no new step may start, also after a restart.
    pub cancel_requested: bool,
    /// On a database several writers share, the writer (its token) that runs the task; `None`
    /// where one server runs everything (SQLite), or while no writer has claimed it.
    pub executor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub task_id: TaskId,
    pub idx: usize,
    pub resource_id: String,
    pub action: Action,
    /// Set when the step waits for another task's step on the same resource.
    pub follow_task: Option<TaskId>,
    /// Indices of steps of the same task that must be done first.
    pub after: Vec<usize>,
    pub state: StepState,
    pub attempts: u32,
    /// The resource's state before the task claimed it, restored if the step never runs.
    pub prior_state: Lifecycle,
    pub expected_ms: i64,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub error: Option<String>,
    /// What the driver said while performing the step.
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: Millis,
    pub principal: String,
    pub project_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub request_id: String,
    pub source: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// One change, applied by `Store::commit` together with the others of its batch.
#[derive(Debug, Clone)]
pub enum Write {
    /// A new task with its steps (the id is chosen by the engine).
    InsertTask {
        task: TaskRecord,
        steps: Vec<StepRecord>,
    },
    UpdateTask {
        id: TaskId,
        state: TaskState,
        progress: f64,
        error: Option<String>,
        updated_at: Millis,
        finished_at: Option<Millis>,
    },
    UpdateStep {
        task_id: TaskId,
        idx: usize,
        state: StepState,
        attempts: u32,
        started_at: Option<Millis>,
        finished_at: Option<Millis>,
        error: Option<String>,
        output: Option<String>,
    },
    /// The engine-side state of a resource and the task holding it.
    SetResource {
        id: String,
        state: Lifecycle,
        active_task: Option<TaskId>,
        last_error: Option<String>,
        updated_at: Millis,
    },
    /// `id` is ignored; the store numbers audit records.
    Audit(AuditRecord),
    /// A resource created through the API.
    InsertResource {
        spec: ResourceSpec,
        state: Lifecycle,
        at: Millis,
    },
    /// Marks a resource deleted; its row stays for the tasks that name it.
    DeleteResource { id: String, at: Millis },
    /// A change made through the API, laid over the configured spec at every load: `name`
    /// (when set) replaces the name, each top-level key of `attrs` replaces the spec's.
    /// The edits of earlier writes are kept unless replaced.
    EditResource {
        id: String,
        name: Option<String>,
        attrs: serde_json::Map<String, serde_json::Value>,
        at: Millis,
    },
    /// Records that a cancel of the task was accepted.
    RequestCancel { id: TaskId, at: Millis },
    /// Replaces every fault rule (in order, with counters).
    SetFaultRules(Vec<switchboard_core::faults::StoredRule>),
    /// A fault rule matched or fired: its counters, its retirement, its firing.
    FaultUsed(switchboard_core::faults::FaultUse),
    /// Puts a resource back as the inventory declares it: `state`, no task, no error, not
    /// deleted, without the edits and metadata written through the API.
    ResetResource {
        id: String,
        state: Lifecycle,
        at: Millis,
    },
    /// Replaces whole tables by the rows of a snapshot (see `snapshot`).
    ReplaceState(std::sync::Arc<crate::snapshot::Tables>),
    /// Replaces every transition setting (oldest first).
    SetTransitions(Vec<switchboard_core::transitions::Transition>),
    /// The simulated clock's offset from the wall clock (never lowered).
    SetClockOffset(i64),
    /// Announces a change on the event stream; numbered and kept in the same transaction as
    /// the writes next to it, published once that transaction is durable.
    Event(EventRecord),
}

/// A change to announce, before the store has numbered it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub at: Millis,
    /// Who may see it: callers scoped to this project.
    pub project_id: String,
    pub task_id: Option<TaskId>,
    /// `task.created`, `step.started`, …
    pub kind: &'static str,
    /// The event's JSON object as sent, without `seq` (added when it is numbered).
    pub data: String,
}

/// A committed event with its durable, strictly increasing sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: i64,
    /// The token of the writer that committed it (0 on an embedded database, which has one).
    pub writer: i64,
    pub project_id: String,
    pub task_id: Option<TaskId>,
    pub kind: String,
    /// The JSON object as sent, `seq` first.
    pub data: String,
}

/// Which retained events to read back.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub project_id: String,
    pub task_id: Option<TaskId>,
}

/// An AK/SK credential; `secret_enc` is the secret key encrypted under the master key.
#[derive(Clone, PartialEq)]
pub struct CredentialRecord {
    pub access_key: String,
    pub user_id: String,
    pub secret_enc: String,
    pub description: String,
    pub created_at: Millis,
}

impl std::fmt::Debug for CredentialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialRecord")
            .field("access_key", &self.access_key)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}
