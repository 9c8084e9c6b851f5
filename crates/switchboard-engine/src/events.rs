//! The events the engine announces (`GET /switchboard/v1/events`). Each is a `Write::Event`
//! placed next to the writes of the change it describes, so it commits with them or not at
//! all. The JSON is rendered here, once, by the caller rather than by the store's writer; the
//! task and step objects are those of `GET /switchboard/v1/tasks/{id}`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use switchboard_core::{Lifecycle, Millis, ResourceKind, ResourceSpec, TaskId};
use switchboard_store::{EventRecord, StepRecord, TaskRecord, Write};

/// ISO-8601 with milliseconds and a trailing Z, as the native API writes times.
fn iso(ms: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The task object of the native API, without its steps.
pub fn task_json(t: &TaskRecord) -> Value {
    json!({
        "id": t.id, "kind": t.kind, "action": t.action.as_str(), "target": t.target_id,
        "only_self": t.only_self, "project_id": t.project_id, "principal": t.principal,
        "request_id": t.request_id, "state": t.state.as_str(), "progress": t.progress, "error": t.error,
        "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
        "finished_at": t.finished_at.map(iso),
    })
}

/// A step object as in the native task's `steps[]`.
pub fn step_json(r: &StepRecord, resource_name: &str) -> Value {
    json!({
        "index": r.idx, "resource_id": r.resource_id, "resource_name": resource_name,
        "action": r.action.as_str(), "state": r.state.as_str(), "attempts": r.attempts,
        "after": r.after, "follows_task": r.follow_task, "error": r.error, "output": r.output,
        "started_at": r.started_at.map(iso), "finished_at": r.finished_at.map(iso),
    })
}

/// The task object with its steps; `name` gives each step's resource name.
fn view_json(
    task: &TaskRecord,
    steps: &[StepRecord],
    name: impl Fn(&StepRecord) -> String,
) -> Value {
    let mut out = task_json(task);
    out["steps"] = steps.iter().map(|s| step_json(s, &name(s))).collect();
    out
}

/// The family whose API serves a kind of resource.
fn family(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ClusterService => "mrs",
        ResourceKind::DbomInstance => "dbss",
        ResourceKind::Flow => "live",
        ResourceKind::Server => "nova",
    }
}

fn event(kind: &'static str, project_id: &str, task_id: Option<TaskId>, extra: Value) -> Write {
    let at = switchboard_core::now_millis();
    let mut data = json!({"type": kind, "at": iso(at), "project_id": project_id});
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
    Write::Event(EventRecord {
        at,
        project_id: project_id.to_string(),
        task_id,
        kind,
        data: data.to_string(),
    })
}

/// `task.created` (or `task.finished`) with the whole task.
pub(crate) fn task(
    kind: &'static str,
    task: &TaskRecord,
    steps: &[StepRecord],
    name: impl Fn(&StepRecord) -> String,
) -> Write {
    let view = view_json(task, steps, name);
    event(
        kind,
        &task.project_id,
        Some(task.id),
        json!({ "task": view }),
    )
}

/// `step.started`, `step.retrying` or `step.finished`.
pub(crate) fn step(kind: &'static str, project_id: &str, step: &StepRecord, name: &str) -> Write {
    let extra = json!({"task_id": step.task_id, "step": step_json(step, name)});
    event(kind, project_id, Some(step.task_id), extra)
}

/// `task.progress` in the unit of the task's `progress` (percent).
pub(crate) fn progress(project_id: &str, task_id: TaskId, progress: f64) -> Write {
    let extra = json!({"task_id": task_id, "progress": progress});
    event("task.progress", project_id, Some(task_id), extra)
}

/// `resource.state`: the resource's engine state, held by `active_task`, because of `cause`.
pub(crate) fn resource(
    spec: &ResourceSpec,
    state: Lifecycle,
    active_task: Option<TaskId>,
    error: Option<&str>,
    cause: Option<TaskId>,
) -> Write {
    let resource = json!({
        "id": spec.id, "name": spec.name, "kind": spec.kind.as_str(), "family": family(spec.kind),
        "state": state.as_str(), "task_id": active_task, "error": error,
    });
    event(
        "resource.state",
        &spec.project_id,
        cause,
        json!({ "resource": resource }),
    )
}
