//! Switchboard's own API (`/switchboard/v1`), `/health` and this document.

use super::{bodies, list_of, object, one, strings};
use serde_json::{json, Value};

bodies!(
    Health,
    Ready,
    NativeAudit,
    NativePolicies,
    NativePolicy,
    NativeResources,
    NativePlan,
    NativeSession,
    NativeTask,
    NativeTasks,
    NativeUser,
    NativeUsers,
    FaultRules,
    FaultFirings,
    NativeRequests,
    ResetRequest,
    ResetAnswer,
    Snapshot,
    Restored
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::routes::health,
    super::serve,
    crate::native::tasks::list_tasks,
    crate::native::tasks::get_task,
    crate::native::tasks::cancel_task,
    crate::native::resources::list_resources,
    crate::native::audit::list_audit,
    crate::native::session::get_session,
    crate::native::plans::preview_plan,
    crate::native::users::create_user,
    crate::native::users::list_users,
    crate::native::users::modify_user,
    crate::native::users::delete_user,
    crate::native::policies::list_policies,
    crate::native::policies::put_policy,
    crate::native::policies::delete_policy,
    crate::native::events::stream_events,
    crate::native::faults::list_faults,
    crate::native::faults::replace_faults,
    crate::native::faults::append_faults,
    crate::native::faults::delete_faults,
    crate::native::faults::list_fired,
    crate::native::requests::list_requests,
    crate::native::state::reset_state,
    crate::native::state::export_state,
    crate::native::state::import_state,
    crate::metrics::get_metrics,
    crate::routes::ready,
))]
pub struct Doc;

pub fn schemas() -> Vec<(&'static str, Value)> {
    let task = object(
        &[
            "id",
            "kind",
            "action",
            "target",
            "state",
            "project_id",
            "created_at",
        ],
        {
            let mut p = strings(&[
                "kind",
                "action",
                "target",
                "state",
                "project_id",
                "principal",
                "request_id",
                "created_at",
                "updated_at",
            ]);
            p["id"] = json!({"type": "integer"});
            p["only_self"] = json!({"type": "boolean"});
            p["progress"] = json!({"type": "number"});
            p["error"] = json!({"type": ["string", "null"]});
            p["finished_at"] = json!({"type": ["string", "null"]});
            p["steps"] = json!({"type": "array", "items": {"type": "object"}});
            p
        },
    );
    let user = object(
        &["id", "name", "domain_id", "roles", "policies"],
        json!({
        "id": {"type": "string"}, "name": {"type": "string"}, "domain_id": {"type": "string"},
        "roles": {"type": "array", "items": object(&["project_id", "role"],
            strings(&["project_id", "role"]))},
        "policies": {"type": "array", "items": {"type": "string"}},
        "system_admin": {"type": "boolean"}}),
    );
    let policy = object(
        &["name", "document"],
        json!({"name": {"type": "string"},
        "document": {"type": "object"}}),
    );
    let paged = |key: &str, item: Value| {
        let mut l = list_of(key, item);
        l["properties"]["limit"] = json!({"type": "integer"});
        l["properties"]["offset"] = json!({"type": "integer"});
        l["properties"]["next_marker"] = json!({"type": ["string", "integer", "null"],
            "description": "The next page's `marker` when more follow"});
        l
    };
    vec![
        (
            "Health",
            object(&["status"], strings(&["status", "version"])),
        ),
        (
            "Ready",
            object(
                &["ready", "phase"],
                json!({"ready": {"type": "boolean"}, "phase": {"type": "string"},
                       "version": {"type": "string"}, "message": {"type": "string"}}),
            ),
        ),
        ("NativeTask", task.clone()),
        ("NativeTasks", paged("tasks", task)),
        (
            "NativeResources",
            paged(
                "resources",
                object(&["id", "kind", "family", "name", "state", "status"], {
                    let mut p = strings(&["id", "kind", "name", "state", "project_id", "driver"]);
                    p["family"] =
                        json!({"type": "string", "enum": ["mrs", "nova", "dbss", "live"]});
                    p["status"] = json!({"type": "string",
                            "description": "The family's word for the state: MRS Normal/Stopped/Starting…, \
                                            Nova ACTIVE/SHUTOFF/HARD_REBOOT…, DBSS, Live ACTIVE/STANDBY"});
                    p["cluster_id"] = json!({"type": ["integer", "null"]});
                    p["cluster_name"] = json!({"type": ["string", "null"]});
                    p["depends_on"] = json!({"type": "array", "items": {"type": "string"}});
                    p["active_task"] = json!({"type": ["integer", "null"]});
                    p["last_error"] = json!({"type": ["string", "null"]});
                    p
                }),
            ),
        ),
        (
            "NativeAudit",
            paged(
                "records",
                object(
                    &["id", "at", "action", "outcome"],
                    json!({
            "id": {"type": "integer"}, "at": {"type": "string"},
            "action": {"type": "string"}, "outcome": {"type": "string"}}),
                ),
            ),
        ),
        ("NativeSession", one("session", session())),
        ("NativePlan", one("plan", plan())),
        ("NativeUser", one("user", user.clone())),
        ("NativeUsers", list_of("users", user)),
        ("NativePolicy", one("policy", policy.clone())),
        ("NativePolicies", list_of("policies", policy)),
        ("FaultRules", fault_rules()),
        ("FaultFirings", list_of("fired", fault_firing())),
        ("NativeRequests", list_of("requests", request_entry())),
        ("ResetRequest", reset_request()),
        ("ResetAnswer", one("reset", reset_answer())),
        ("Snapshot", snapshot()),
        ("Restored", one("restored", restored())),
    ]
}

/// The caller, its scope and a boolean per action name.
fn session() -> Value {
    let mut p = strings(&["user_id", "user_name", "domain_id", "expires_at"]);
    p["project_id"] = json!({"type": ["string", "null"]});
    p["project_name"] = json!({"type": ["string", "null"]});
    p["roles"] = json!({"type": "array", "items": {"type": "string"}});
    p["system_admin"] = json!({"type": "boolean"});
    p["permissions"] = json!({"type": "object", "additionalProperties": {"type": "boolean"},
        "description": "Every action name (as in policies): whether the caller may perform it"});
    object(
        &[
            "user_id",
            "user_name",
            "domain_id",
            "project_id",
            "roles",
            "system_admin",
            "expires_at",
            "permissions",
        ],
        p,
    )
}

/// A previewed plan: its steps in order, or the in-flight task that would be returned.
fn plan() -> Value {
    let mut step = strings(&["resource_id", "resource_name", "kind", "action"]);
    step["index"] = json!({"type": "integer"});
    step["mode"] = json!({"type": "string", "enum": ["run", "follow"]});
    step["follow_task"] = json!({"type": ["integer", "null"]});
    step["after"] = json!({"type": "array", "items": {"type": "integer"},
        "description": "Indices of the steps that finish first"});
    let step = object(
        &[
            "index",
            "resource_id",
            "resource_name",
            "kind",
            "action",
            "mode",
            "follow_task",
            "after",
        ],
        step,
    );
    object(
        &["steps", "existing_task"],
        json!({"steps": {"type": "array", "items": step},
               "existing_task": {"type": ["integer", "null"]}}),
    )
}

/// A JSON array of fault rules (LocalStack's Chaos API fields plus Switchboard's).
fn fault_rules() -> Value {
    let mut p = strings(&[
        "id",
        "service",
        "family",
        "operation",
        "region",
        "action",
        "project",
        "resource",
    ]);
    p["probability"] = json!({"type": "number", "minimum": 0, "maximum": 1});
    p["seed"] = json!({"type": "integer", "minimum": 0});
    p["times"] = json!({"type": "integer", "minimum": 1});
    p["latency_ms"] = json!({"type": "integer", "minimum": 0, "maximum": 60000});
    p["error"] = json!({"type": "object", "properties": {
        "statusCode": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string"}, "message": {"type": "string"}}});
    p["driver"] = json!({"type": "object", "description": "Exactly one of fail, hang, take_ms",
        "properties": {"fail": {"type": "string"}, "hang": {"type": "boolean"},
        "take_ms": {"type": "integer", "minimum": 0}}});
    json!({"type": "array", "items": {"type": "object", "properties": p}})
}

/// One firing of a fault rule.
fn fault_firing() -> Value {
    let mut p = strings(&["rule_id", "family", "effect"]);
    for k in [
        "action",
        "resource",
        "project_id",
        "request_id",
        "step",
        "principal",
    ] {
        p[k] = json!({"type": ["string", "null"]});
    }
    p["seq"] = json!({"type": "integer"});
    p["at"] = json!({"type": "integer", "description": "Milliseconds since the epoch"});
    object(&["seq", "rule_id", "at", "family", "effect"], p)
}

/// One request of the request log.
fn request_entry() -> Value {
    let mut p = strings(&["family", "method", "path", "request_id"]);
    for k in ["operation", "query", "body", "error_code", "error_message"] {
        p[k] = json!({"type": ["string", "null"]});
    }
    for k in ["seq", "body_length", "status"] {
        p[k] = json!({"type": "integer"});
    }
    p["at"] = json!({"type": "integer", "description": "Milliseconds since the epoch"});
    p["duration_ms"] = json!({"type": "number"});
    p["body_truncated"] = json!({"type": "boolean"});
    p["headers"] = json!({"type": "object", "additionalProperties": {"type": "string"},
        "description": "Selected headers; credentials read ***"});
    p["principal"] = json!({"type": ["object", "null"], "properties": {
        "user_id": {"type": "string"}, "user_name": {"type": "string"},
        "project_id": {"type": ["string", "null"]}}});
    p["path_project"] = json!({"type": ["string", "null"]});
    p["task_id"] = json!({"type": ["integer", "null"]});
    p["task_ids"] = json!({"type": "array", "items": {"type": "integer"}});
    object(
        &[
            "seq",
            "at",
            "family",
            "method",
            "path",
            "status",
            "request_id",
            "task_ids",
        ],
        p,
    )
}

/// `POST /switchboard/v1/state/reset`'s body: every flag defaults to true.
fn reset_request() -> Value {
    let mut p = strings(&["project"]);
    for flag in ["resources", "tasks", "faults", "transitions"] {
        p[flag] = json!({"type": "boolean", "default": true});
    }
    object(&[], p)
}

fn reset_answer() -> Value {
    let mut p = json!({});
    for n in [
        "resources",
        "tasks_cancelled",
        "faults_removed",
        "transitions_removed",
        "took_ms",
    ] {
        p[n] = json!({"type": "integer"});
    }
    p["project"] = json!({"type": ["string", "array", "null"]});
    p["tasks_stopping"] = json!({"type": "array", "items": {"type": "integer"}});
    object(
        &["resources", "tasks_cancelled", "faults_removed", "took_ms"],
        p,
    )
}

/// The snapshot document (docs/snapshot.md).
fn snapshot() -> Value {
    object(
        &["format", "version", "tables", "sim"],
        json!({
            "format": {"type": "string", "enum": ["switchboard-snapshot"]},
            "version": {"type": "integer", "enum": [1]},
            "tables": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}},
                "description": "Rows of each table by name, in key order, column → value"},
            "sim": {"type": "object", "description": "Simulated resources' states by id"},
        }),
    )
}

fn restored() -> Value {
    object(
        &["resources", "tasks", "took_ms"],
        json!({
            "resources": {"type": "integer"}, "tasks": {"type": "integer"},
            "took_ms": {"type": "integer"},
            "tasks_stopping": {"type": "array", "items": {"type": "integer"}},
        }),
    )
}
