//! The events the engine announces (`GET /switchboard/v1/events`). Each is a `Write::Event`
//! placed next to the writes of the change it describes, so it commits with them or not at
//! all. The JSON is rendered here, once, by the caller rather than by the store's writer; the
//! task and step objects are those of `GET /switchboard/v1/tasks/{id}`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use switchboard_core::family::{status_word, Family};
use switchboard_core::{Lifecycle, Millis, ResourceSpec, TaskId};
use switchboard_store::{EventRecord, StepRecord, TaskRecord, Write};

/// ISO-8601 with milliseconds and a trailing Z, as the native API writes times.
fn iso(ms: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The native API's task object, serialized straight from the record: events are rendered on
/// the engine's hot path, where building a `serde_json::Value` tree first cost a third of the
/// accept rate in allocations.
#[derive(Serialize)]
struct TaskObject<'a> {
    id: TaskId,
    kind: &'a str,
    action: &'a str,
    target: Option<&'a str>,
    only_self: bool,
    project_id: &'a str,
    principal: &'a str,
    request_id: &'a str,
    state: &'a str,
    progress: f64,
    error: Option<&'a str>,
    created_at: String,
    updated_at: String,
    finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<Vec<StepObject<'a>>>,
}

impl<'a> TaskObject<'a> {
    fn new(t: &'a TaskRecord, steps: Option<Vec<StepObject<'a>>>) -> TaskObject<'a> {
        TaskObject {
            id: t.id,
            kind: &t.kind,
            action: t.action.as_str(),
            target: t.target_id.as_deref(),
            only_self: t.only_self,
            project_id: &t.project_id,
            principal: &t.principal,
            request_id: &t.request_id,
            state: t.state.as_str(),
            progress: t.progress,
            error: t.error.as_deref(),
            created_at: iso(t.created_at),
            updated_at: iso(t.updated_at),
            finished_at: t.finished_at.map(iso),
            steps,
        }
    }
}

/// A step object as in the native task's `steps[]`.
#[derive(Serialize)]
struct StepObject<'a> {
    index: usize,
    resource_id: &'a str,
    resource_name: String,
    action: &'a str,
    state: &'a str,
    attempts: u32,
    after: &'a [usize],
    follows_task: Option<TaskId>,
    error: Option<&'a str>,
    output: Option<&'a str>,
    started_at: Option<String>,
    finished_at: Option<String>,
}

impl<'a> StepObject<'a> {
    fn new(r: &'a StepRecord, resource_name: String) -> StepObject<'a> {
        StepObject {
            index: r.idx,
            resource_id: &r.resource_id,
            resource_name,
            action: r.action.as_str(),
            state: r.state.as_str(),
            attempts: r.attempts,
            after: &r.after,
            follows_task: r.follow_task,
            error: r.error.as_deref(),
            output: r.output.as_deref(),
            started_at: r.started_at.map(iso),
            finished_at: r.finished_at.map(iso),
        }
    }
}

/// The task object of the native API, without its steps.
/// A task object as [`task_json`] renders it, serialized straight to the output: for lists,
/// where building a `Value` tree per task cost an allocation per field.
pub fn task_object(t: &TaskRecord) -> impl Serialize + '_ {
    TaskObject::new(t, None)
}

pub fn task_json(t: &TaskRecord) -> Value {
    serde_json::to_value(TaskObject::new(t, None)).unwrap_or_default()
}

/// A step object as in the native task's `steps[]`.
pub fn step_json(r: &StepRecord, resource_name: &str) -> Value {
    serde_json::to_value(StepObject::new(r, resource_name.to_string())).unwrap_or_default()
}

/// Every event's data: its type, time and project, then what the type carries.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    at: String,
    project_id: &'a str,
    #[serde(flatten)]
    body: T,
}

fn event<T: Serialize>(
    kind: &'static str,
    project_id: &str,
    task_id: Option<TaskId>,
    body: T,
) -> Write {
    let at = switchboard_core::now_millis();
    let envelope = Envelope {
        kind,
        at: iso(at),
        project_id,
        body,
    };
    Write::Event(EventRecord {
        at,
        project_id: project_id.to_string(),
        task_id,
        kind,
        // Plain structs of strings and numbers: serializing cannot fail.
        data: serde_json::to_string(&envelope).unwrap_or_else(|_| "{}".into()),
    })
}

/// `task.created` (or `task.finished`) with the whole task.
pub(crate) fn task(
    kind: &'static str,
    task: &TaskRecord,
    steps: &[StepRecord],
    name: impl Fn(&StepRecord) -> String,
) -> Write {
    #[derive(Serialize)]
    struct Body<'a> {
        task: TaskObject<'a>,
    }
    let steps = steps.iter().map(|s| StepObject::new(s, name(s))).collect();
    let task_object = TaskObject::new(task, Some(steps));
    event(
        kind,
        &task.project_id,
        Some(task.id),
        Body { task: task_object },
    )
}

/// `step.started`, `step.retrying` or `step.finished`.
pub(crate) fn step(kind: &'static str, project_id: &str, step: &StepRecord, name: &str) -> Write {
    #[derive(Serialize)]
    struct Body<'a> {
        task_id: TaskId,
        step: StepObject<'a>,
    }
    let body = Body {
        task_id: step.task_id,
        step: StepObject::new(step, name.to_string()),
    };
    event(kind, project_id, Some(step.task_id), body)
}

/// `task.cancelling`: a cancel of the task was accepted (its end follows).
pub(crate) fn cancelling(project_id: &str, task_id: TaskId) -> Write {
    #[derive(Serialize)]
    struct Body {
        task_id: TaskId,
    }
    event(
        "task.cancelling",
        project_id,
        Some(task_id),
        Body { task_id },
    )
}

/// `task.progress` in the unit of the task's `progress` (percent).
pub(crate) fn progress(project_id: &str, task_id: TaskId, progress: f64) -> Write {
    #[derive(Serialize)]
    struct Body {
        task_id: TaskId,
        progress: f64,
    }
    event(
        "task.progress",
        project_id,
        Some(task_id),
        Body { task_id, progress },
    )
}

/// `resource.created`, `resource.changed` or `resource.deleted`, with the resource as it is.
pub(crate) fn resource_event(
    kind: &'static str,
    spec: &ResourceSpec,
    state: Lifecycle,
    error: Option<&str>,
) -> Write {
    resource_of(kind, spec, state, None, error, None)
}

/// `resource.state`: the resource's engine state (and its family's word for it), held by
/// `active_task`, because of `cause`.
pub(crate) fn resource(
    spec: &ResourceSpec,
    state: Lifecycle,
    active_task: Option<TaskId>,
    error: Option<&str>,
    cause: Option<TaskId>,
) -> Write {
    resource_of("resource.state", spec, state, active_task, error, cause)
}

fn resource_of(
    kind: &'static str,
    spec: &ResourceSpec,
    state: Lifecycle,
    active_task: Option<TaskId>,
    error: Option<&str>,
    cause: Option<TaskId>,
) -> Write {
    #[derive(Serialize)]
    struct Resource<'a> {
        id: &'a str,
        name: &'a str,
        kind: &'a str,
        family: &'a str,
        /// The family's word for the state (`Normal`, `SHUTOFF`, …).
        status: &'a str,
        state: &'a str,
        task_id: Option<TaskId>,
        error: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        resource: Resource<'a>,
    }
    let resource = Resource {
        id: &spec.id,
        name: &spec.name,
        kind: spec.kind.as_str(),
        family: Family::of(spec.kind).as_str(),
        status: status_word(spec.kind, state),
        state: state.as_str(),
        task_id: active_task,
        error,
    };
    event(kind, &spec.project_id, cause, Body { resource })
}
