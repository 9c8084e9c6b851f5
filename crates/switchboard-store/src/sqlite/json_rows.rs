//! Reading a page of rows as one value: SQLite renders each row as a JSON array and the page
//! as one `json_group_array`, so the page crosses from SQLite's thread in one message instead
//! of one per row (with a wake-up each). The arrays' order is the row structs' here.

use super::rows::{action, corrupt, lifecycle};
use crate::{StepRecord, StoreResult, TaskRecord};
use switchboard_core::{Millis, StepState, TaskId, TaskState};

/// A task row as a JSON array, in [`TaskRow`]'s order. SQLite writes a REAL in JSON with 15
/// significant digits: exact for `progress`, which the engine writes rounded to a tenth.
pub(super) const TASK_JSON: &str = "json_array(id, project_id, kind, action, target_id, \
     only_self, principal, request_id, state, progress, error, created_at, updated_at, \
     finished_at, json(targets), cancel_requested)";

/// A task row laid out by [`TASK_JSON`].
#[derive(serde::Deserialize)]
pub(super) struct TaskRow(
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
pub(super) fn tasks(json: &str) -> StoreResult<Vec<TaskRecord>> {
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

/// A step row as a JSON array, in [`StepRow`]'s order.
pub(super) const STEP_JSON: &str = "json_array(task_id, idx, resource_id, action, follow_task, \
     json(after), state, attempts, prior_state, expected_ms, started_at, finished_at, error, \
     output)";

/// A step row laid out by [`STEP_JSON`].
#[derive(serde::Deserialize)]
pub(super) struct StepRow(
    TaskId,
    usize,
    String,
    String,
    Option<TaskId>,
    Vec<usize>,
    String,
    u32,
    String,
    i64,
    Option<Millis>,
    Option<Millis>,
    Option<String>,
    Option<String>,
);

/// The steps of a `json_group_array` of [`STEP_JSON`]s.
pub(super) fn steps(json: &str) -> StoreResult<Vec<StepRecord>> {
    let rows: Vec<StepRow> =
        serde_json::from_str(json).map_err(|e| corrupt("step rows", &e.to_string()))?;
    rows.into_iter().map(step_of_json).collect()
}

fn step_of_json(r: StepRow) -> StoreResult<StepRecord> {
    let StepRow(
        task_id,
        idx,
        resource_id,
        action_name,
        follow_task,
        after,
        state,
        attempts,
        prior_state,
        expected_ms,
        started_at,
        finished_at,
        error,
        output,
    ) = r;
    Ok(StepRecord {
        task_id,
        idx,
        resource_id,
        action: action(&action_name)?,
        follow_task,
        after,
        state: StepState::parse(&state).ok_or_else(|| corrupt("step state", &state))?,
        attempts,
        prior_state: lifecycle(&prior_state)?,
        expected_ms,
        started_at,
        finished_at,
        error,
        output,
    })
}
