//! Decoding SQLite rows into records.

use crate::{AuditRecord, ResourceRecord, StepRecord, StoreError, StoreResult, TaskRecord};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use switchboard_core::{Action, Lifecycle, Millis, StepState, TaskId, TaskState};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

fn action(s: &str) -> StoreResult<Action> {
    Action::parse(s).ok_or_else(|| corrupt("action", s))
}

fn lifecycle(s: &str) -> StoreResult<Lifecycle> {
    Lifecycle::parse(s).ok_or_else(|| corrupt("lifecycle", s))
}

/// A resource row with its API edits (`edited_name`, `edited_attrs`) laid over the spec.
pub(crate) fn resource(row: &SqliteRow) -> StoreResult<ResourceRecord> {
    let spec: &str = row.try_get("spec")?;
    let mut spec: switchboard_core::ResourceSpec =
        serde_json::from_str(spec).map_err(|e| corrupt("resource spec", &e.to_string()))?;
    if let Some(name) = row.try_get::<Option<String>, _>("edited_name")? {
        spec.name = name;
    }
    if let Some(attrs) = row.try_get::<Option<String>, _>("edited_attrs")? {
        let edits: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&attrs).map_err(|e| corrupt("resource edits", &e.to_string()))?;
        if !edits.is_empty() && !spec.attrs.is_object() {
            spec.attrs = serde_json::Value::Object(Default::default());
        }
        if let Some(map) = spec.attrs.as_object_mut() {
            map.extend(edits);
        }
    }
    Ok(ResourceRecord {
        spec,
        state: lifecycle(row.try_get("state")?)?,
        active_task: row.try_get("active_task_id")?,
        deleted: row.try_get("deleted")?,
        configured: row.try_get("configured")?,
        last_error: row.try_get("last_error")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn task(row: &SqliteRow) -> StoreResult<TaskRecord> {
    let state: &str = row.try_get("state")?;
    Ok(TaskRecord {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        kind: row.try_get("kind")?,
        action: action(row.try_get("action")?)?,
        target_id: row.try_get("target_id")?,
        only_self: row.try_get("only_self")?,
        principal: row.try_get("principal")?,
        request_id: row.try_get("request_id")?,
        state: TaskState::parse(state).ok_or_else(|| corrupt("task state", state))?,
        progress: row.try_get("progress")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
        targets: match row.try_get::<Option<String>, _>("targets")? {
            Some(json) => {
                serde_json::from_str(&json).map_err(|_| corrupt("task targets", &json))?
            }
            None => row
                .try_get::<Option<String>, _>("target_id")?
                .into_iter()
                .collect(),
        },
        cancel_requested: row.try_get("cancel_requested")?,
    })
}

/// Each task row as one JSON array, in [`TaskRow`]'s order: a list reads its page as one
/// value (`json_group_array`) instead of one row at a time from SQLite's thread. SQLite writes
/// a REAL in JSON with 15 significant digits: exact for `progress`, which the engine writes
/// rounded to a tenth.
pub(crate) const TASK_JSON: &str = "json_array(id, project_id, kind, action, target_id, \
     only_self, principal, request_id, state, progress, error, created_at, updated_at, \
     finished_at, json(targets), cancel_requested)";

/// A task row laid out by [`TASK_JSON`].
#[derive(serde::Deserialize)]
pub(crate) struct TaskRow(
    TaskId,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    String,
    String,
    f64,
    Option<String>,
    Millis,
    Millis,
    Option<Millis>,
    Option<Vec<String>>,
    i64,
);

/// The tasks of a `json_group_array` of [`TASK_JSON`]s.
pub(crate) fn tasks_json(json: &str) -> StoreResult<Vec<TaskRecord>> {
    let rows: Vec<TaskRow> =
        serde_json::from_str(json).map_err(|e| corrupt("task rows", &e.to_string()))?;
    rows.into_iter().map(task_of_json).collect()
}

fn task_of_json(r: TaskRow) -> StoreResult<TaskRecord> {
    let TaskRow(
        id,
        project_id,
        kind,
        action_name,
        target_id,
        only_self,
        principal,
        request_id,
        state,
        progress,
        error,
        created_at,
        updated_at,
        finished_at,
        targets,
        cancel_requested,
    ) = r;
    Ok(TaskRecord {
        id,
        project_id,
        kind,
        action: action(&action_name)?,
        targets: targets.unwrap_or_else(|| target_id.iter().cloned().collect()),
        target_id,
        only_self: only_self != 0,
        principal,
        request_id,
        state: TaskState::parse(&state).ok_or_else(|| corrupt("task state", &state))?,
        progress,
        error,
        created_at,
        updated_at,
        finished_at,
        cancel_requested: cancel_requested != 0,
    })
}

pub(crate) fn step(row: &SqliteRow) -> StoreResult<StepRecord> {
    let state: &str = row.try_get("state")?;
    let after: &str = row.try_get("after")?;
    let idx: i64 = row.try_get("idx")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(StepRecord {
        task_id: row.try_get("task_id")?,
        idx: idx as usize,
        resource_id: row.try_get("resource_id")?,
        action: action(row.try_get("action")?)?,
        follow_task: row.try_get("follow_task")?,
        after: serde_json::from_str(after).map_err(|_| corrupt("step after", after))?,
        state: StepState::parse(state).ok_or_else(|| corrupt("step state", state))?,
        attempts: attempts as u32,
        prior_state: lifecycle(row.try_get("prior_state")?)?,
        expected_ms: row.try_get("expected_ms")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        error: row.try_get("error")?,
        output: row.try_get("output")?,
    })
}

pub(crate) fn audit(row: &SqliteRow) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        principal: row.try_get("principal")?,
        project_id: row.try_get("project_id")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        request_id: row.try_get("request_id")?,
        source: row.try_get("source")?,
        outcome: row.try_get("outcome")?,
        detail: row.try_get("detail")?,
    })
}
