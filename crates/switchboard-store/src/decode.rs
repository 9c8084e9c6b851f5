//! Decoding stored text into records, the same for every backend: enums stored by name, and a
//! resource's spec (JSON) with its API edits laid over it.

use crate::{Event, ResourceRecord, StepRecord, StoreError, StoreResult, TaskRecord};
use serde::Deserialize;
use switchboard_core::faults::FaultFiring;
use switchboard_core::{Action, Lifecycle, Millis, StepState, TaskId, TaskState};

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

pub(crate) fn action(s: &str) -> StoreResult<Action> {
    Action::parse(s).ok_or_else(|| corrupt("action", s))
}

pub(crate) fn lifecycle(s: &str) -> StoreResult<Lifecycle> {
    Lifecycle::parse(s).ok_or_else(|| corrupt("lifecycle", s))
}

/// The columns of a stored resource, with its API edits (`edited_name`, `edited_attrs`).
pub(crate) struct StoredResource<'a> {
    pub spec: &'a str,
    pub edited_name: Option<String>,
    pub edited_attrs: Option<&'a str>,
    pub state: &'a str,
    pub active_task: Option<TaskId>,
    pub deleted: bool,
    pub configured: bool,
    pub last_error: Option<String>,
    pub updated_at: Millis,
}

impl StoredResource<'_> {
    /// The record, its edits laid over the spec.
    pub(crate) fn record(self) -> StoreResult<ResourceRecord> {
        let mut spec: switchboard_core::ResourceSpec = serde_json::from_str(self.spec)
            .map_err(|e| corrupt("resource spec", &e.to_string()))?;
        if let Some(name) = self.edited_name {
            spec.name = name;
        }
        if let Some(attrs) = self.edited_attrs {
            let edits: serde_json::Map<String, serde_json::Value> = serde_json::from_str(attrs)
                .map_err(|e| corrupt("resource edits", &e.to_string()))?;
            if !edits.is_empty() && !spec.attrs.is_object() {
                spec.attrs = serde_json::Value::Object(Default::default());
            }
            if let Some(map) = spec.attrs.as_object_mut() {
                map.extend(edits);
            }
        }
        Ok(ResourceRecord {
            spec,
            state: lifecycle(self.state)?,
            active_task: self.active_task,
            deleted: self.deleted,
            configured: self.configured,
            last_error: self.last_error,
            updated_at: self.updated_at,
        })
    }
}

/// A task's columns as every backend reads them, in the tasks table's order: enums by name,
/// `targets` as a list (`None` for tasks written before the column existed), flags as 0 or 1 in
/// SQLite's JSON rows.
#[derive(Deserialize)]
pub(crate) struct TaskColumns(
    pub TaskId,
    pub String,
    pub String,
    pub String,
    pub Option<String>,
    #[serde(deserialize_with = "flag")] pub bool,
    pub String,
    pub String,
    pub String,
    pub f64,
    pub Option<String>,
    pub Millis,
    pub Millis,
    pub Option<Millis>,
    pub Option<Vec<String>>,
    #[serde(deserialize_with = "flag")] pub bool,
);

/// A step's columns as every backend reads them, in the steps table's order.
#[derive(Deserialize)]
pub(crate) struct StepColumns(
    pub TaskId,
    pub usize,
    pub String,
    pub String,
    pub Option<TaskId>,
    pub Vec<usize>,
    pub String,
    pub u32,
    pub String,
    pub i64,
    pub Option<Millis>,
    pub Option<Millis>,
    pub Option<String>,
    pub Option<String>,
);

fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

impl TaskColumns {
    pub(crate) fn record(self) -> StoreResult<TaskRecord> {
        let TaskColumns(
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
        ) = self;
        Ok(TaskRecord {
            id,
            project_id,
            kind,
            action: action(&action_name)?,
            // Tasks written before `targets` existed name only their first target.
            targets: targets.unwrap_or_else(|| target_id.iter().cloned().collect()),
            target_id,
            only_self,
            principal,
            request_id,
            state: TaskState::parse(&state).ok_or_else(|| corrupt("task state", &state))?,
            progress,
            error,
            created_at,
            updated_at,
            finished_at,
            cancel_requested,
            executor: None,
        })
    }
}

impl StepColumns {
    pub(crate) fn record(self) -> StoreResult<StepRecord> {
        let StepColumns(
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
        ) = self;
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
}

/// A fault firing's columns: seq, rule_id, at, family, action, resource, project_id,
/// request_id, step, principal, effect.
pub(crate) type FiringRow = (
    i64,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub(crate) fn firing(r: FiringRow) -> FaultFiring {
    FaultFiring {
        seq: r.0,
        rule_id: r.1,
        at: r.2,
        family: r.3,
        action: r.4,
        resource: r.5,
        project_id: r.6,
        request_id: r.7,
        step: r.8,
        principal: r.9,
        effect: r.10,
    }
}

/// An event's columns: seq, project_id, task_id, type, data.
pub(crate) type EventRow = (i64, String, Option<i64>, String, String);

pub(crate) fn event((seq, project_id, task_id, kind, data): EventRow) -> Event {
    Event {
        seq,
        writer: 0,
        project_id,
        task_id,
        kind,
        data,
    }
}
