//! Decoding SQLite rows into records.

use crate::{AuditRecord, ResourceRecord, StoreError, StoreResult};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use switchboard_core::{Action, Lifecycle};

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

pub(super) fn action(s: &str) -> StoreResult<Action> {
    Action::parse(s).ok_or_else(|| corrupt("action", s))
}

pub(super) fn lifecycle(s: &str) -> StoreResult<Lifecycle> {
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
