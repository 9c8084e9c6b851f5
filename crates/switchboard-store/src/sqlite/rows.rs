//! Decoding SQLite rows into records.

use crate::{AuditRecord, ResourceRecord, StoreResult};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// A resource row with its API edits (`edited_name`, `edited_attrs`) laid over the spec.
pub(crate) fn resource(row: &SqliteRow) -> StoreResult<ResourceRecord> {
    crate::decode::StoredResource {
        spec: row.try_get("spec")?,
        edited_name: row.try_get("edited_name")?,
        edited_attrs: row.try_get("edited_attrs")?,
        state: row.try_get("state")?,
        active_task: row.try_get("active_task_id")?,
        deleted: row.try_get("deleted")?,
        configured: row.try_get("configured")?,
        last_error: row.try_get("last_error")?,
        updated_at: row.try_get("updated_at")?,
    }
    .record()
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
