//! Reading a page of rows as one value: SQLite renders each row as a JSON array and the page
//! as one `json_group_array`, so the page crosses from SQLite's thread in one message instead
//! of one per row (with a wake-up each). The arrays' order is that of the column structs in
//! `crate::decode`, which both backends decode through.

use crate::decode::{corrupt, StepColumns, TaskColumns};
use crate::{StepRecord, StoreResult, TaskRecord};

/// A task row as a JSON array, in [`TaskColumns`]' order. SQLite writes a REAL in JSON with 15
/// significant digits: exact for `progress`, which the engine writes rounded to a tenth.
pub(super) const TASK_JSON: &str = "json_array(id, project_id, kind, action, target_id, \
     only_self, principal, request_id, state, progress, error, created_at, updated_at, \
     finished_at, json(targets), cancel_requested)";

/// The tasks of a `json_group_array` of [`TASK_JSON`]s.
pub(super) fn tasks(json: &str) -> StoreResult<Vec<TaskRecord>> {
    let rows: Vec<TaskColumns> =
        serde_json::from_str(json).map_err(|e| corrupt("task rows", &e.to_string()))?;
    rows.into_iter().map(TaskColumns::record).collect()
}

/// A step row as a JSON array, in [`StepColumns`]' order.
pub(super) const STEP_JSON: &str = "json_array(task_id, idx, resource_id, action, follow_task, \
     json(after), state, attempts, prior_state, expected_ms, started_at, finished_at, error, \
     output)";

/// The steps of a `json_group_array` of [`STEP_JSON`]s.
pub(super) fn steps(json: &str) -> StoreResult<Vec<StepRecord>> {
    let rows: Vec<StepColumns> =
        serde_json::from_str(json).map_err(|e| corrupt("step rows", &e.to_string()))?;
    rows.into_iter().map(StepColumns::record).collect()
}
