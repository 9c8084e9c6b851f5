//! The rare changes of a group (resources created, deleted, edited or reset, cancels, fault
//! rules, transitions, snapshots): a statement or a few each, applied in order, before the
//! group's row writes ([`crate::bulk`]).

use crate::{StoreError, StoreResult, Write};
use sqlx::SqliteConnection;

pub(crate) async fn apply(conn: &mut SqliteConnection, w: &Write) -> StoreResult<()> {
    match w {
        Write::InsertResource { spec, state, at } => {
            let json =
                serde_json::to_string(spec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query(
                "INSERT INTO resources (id, project_id, kind, name, cluster_id, spec, state, updated_at,
                 configured) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            )
            .bind(&spec.id)
            .bind(&spec.project_id)
            .bind(spec.kind.as_str())
            .bind(&spec.name)
            .bind(spec.cluster)
            .bind(json)
            .bind(state.as_str())
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        Write::RequestCancel { id, at } => {
            sqlx::query("UPDATE tasks SET cancel_requested = 1, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Write::EditResource {
            id,
            name,
            attrs,
            at,
        } => {
            // Top-level keys replace the kept ones whole (json_patch would merge objects).
            let kept: Option<(Option<String>, String)> =
                sqlx::query_as("SELECT name, attrs FROM resource_edits WHERE resource_id = ?")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let (kept_name, kept_attrs) = kept.unwrap_or((None, "{}".into()));
            let mut merged: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&kept_attrs)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            merged.extend(attrs.iter().map(|(k, v)| (k.clone(), v.clone())));
            sqlx::query(
                "INSERT INTO resource_edits (resource_id, name, attrs, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT(resource_id) DO UPDATE SET name = excluded.name, attrs = excluded.attrs,
                 updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(name.clone().or(kept_name))
            .bind(serde_json::Value::Object(merged).to_string())
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        Write::ResetResource { .. } | Write::ReplaceState(_) => {
            crate::snapshot::apply(conn, w).await?;
        }
        Write::SetFaultRules(_) | Write::FaultUsed(_) => {
            crate::sqlite::apply_fault(conn, w).await?;
        }
        Write::SetTransitions(_) | Write::SetClockOffset(_) => {
            crate::sqlite::apply_transition(conn, w).await?;
        }
        Write::DeleteResource { id, at } => {
            sqlx::query("UPDATE resources SET deleted = 1, active_task_id = NULL, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}
