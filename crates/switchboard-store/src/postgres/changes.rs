//! The rare changes of a group on PostgreSQL (resources created, deleted, edited or reset,
//! cancels, fault rules, transitions, the simulated clock), applied in order before the group's
//! row writes.

use super::json;
use crate::{StoreError, StoreResult, Write};
use sqlx::postgres::PgConnection;

pub(super) async fn apply(conn: &mut PgConnection, w: &Write) -> StoreResult<()> {
    match w {
        Write::InsertResource { spec, state, at } => {
            sqlx::query(
                "INSERT INTO resources (id, project_id, kind, name, cluster_id, spec, state, \
                 updated_at, configured) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE)",
            )
            .bind(&spec.id)
            .bind(&spec.project_id)
            .bind(spec.kind.as_str())
            .bind(&spec.name)
            .bind(spec.cluster)
            .bind(json(spec)?)
            .bind(state.as_str())
            .bind(at)
            .execute(conn)
            .await?;
        }
        Write::RequestCancel { id, at } => {
            sqlx::query("UPDATE tasks SET cancel_requested = TRUE, updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(conn)
                .await?;
        }
        Write::EditResource {
            id,
            name,
            attrs,
            at,
        } => {
            // Top-level keys replace the kept ones whole; the row is locked until the commit.
            let kept: Option<(Option<String>, String)> = sqlx::query_as(
                "SELECT name, attrs FROM resource_edits WHERE resource_id = $1 FOR UPDATE",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            let (kept_name, kept_attrs) = kept.unwrap_or((None, "{}".into()));
            let mut merged: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&kept_attrs)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            merged.extend(attrs.iter().map(|(k, v)| (k.clone(), v.clone())));
            sqlx::query(
                "INSERT INTO resource_edits (resource_id, name, attrs, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (resource_id) DO UPDATE SET \
                 name = excluded.name, attrs = excluded.attrs, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(name.clone().or(kept_name))
            .bind(serde_json::Value::Object(merged).to_string())
            .bind(at)
            .execute(conn)
            .await?;
        }
        Write::DeleteResource { id, at } => {
            unheld(conn, id).await?;
            sqlx::query("UPDATE resources SET deleted = TRUE, updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(conn)
                .await?;
        }
        Write::ResetResource { id, state, at } => {
            unheld(conn, id).await?;
            sqlx::query(
                "UPDATE resources SET state = $1, last_error = NULL, \
                 deleted = FALSE, updated_at = $2 WHERE id = $3",
            )
            .bind(state.as_str())
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            for table in ["resource_edits", "resource_metadata"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE resource_id = $1"))
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Write::SetFaultRules(rules) => {
            sqlx::query("DELETE FROM fault_rules")
                .execute(&mut *conn)
                .await?;
            for (i, s) in rules.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO fault_rules (position, id, rule, matched, fired) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(i as i64)
                .bind(s.rule.id.as_deref().unwrap_or_default())
                .bind(json(&s.rule)?)
                .bind(s.matched as i64)
                .bind(s.fired as i64)
                .execute(&mut *conn)
                .await?;
            }
        }
        Write::FaultUsed(used) => {
            if used.retired {
                sqlx::query("DELETE FROM fault_rules WHERE id = $1")
                    .bind(&used.rule_id)
                    .execute(&mut *conn)
                    .await?;
            } else {
                sqlx::query("UPDATE fault_rules SET matched = $1, fired = $2 WHERE id = $3")
                    .bind(used.matched as i64)
                    .bind(used.fired as i64)
                    .bind(&used.rule_id)
                    .execute(&mut *conn)
                    .await?;
            }
            if let Some(f) = &used.firing {
                sqlx::query(
                    "INSERT INTO fault_firings (rule_id, at, family, action, resource, \
                     project_id, request_id, step, principal, effect) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&f.rule_id)
                .bind(f.at)
                .bind(&f.family)
                .bind(&f.action)
                .bind(&f.resource)
                .bind(&f.project_id)
                .bind(&f.request_id)
                .bind(&f.step)
                .bind(&f.principal)
                .bind(&f.effect)
                .execute(conn)
                .await?;
            }
        }
        Write::SetTransitions(settings) => {
            sqlx::query("DELETE FROM transitions")
                .execute(&mut *conn)
                .await?;
            for (i, s) in settings.iter().enumerate() {
                sqlx::query("INSERT INTO transitions (position, id, setting) VALUES ($1, $2, $3)")
                    .bind(i as i64)
                    .bind(s.id.as_deref().unwrap_or_default())
                    .bind(json(s)?)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Write::SetClockOffset(offset_ms) => {
            // The simulated clock only moves forward.
            sqlx::query(
                "INSERT INTO sim_clock (id, offset_ms) VALUES (0, $1) ON CONFLICT (id) \
                 DO UPDATE SET offset_ms = GREATEST(sim_clock.offset_ms, excluded.offset_ms)",
            )
            .bind(offset_ms)
            .execute(conn)
            .await?;
        }
        Write::ReplaceState(tables) => {
            super::snapshot::replace(conn, tables).await?;
            super::claims::rebuild(conn).await?;
            super::cluster::forget_synced(conn).await?;
        }
        Write::InsertTask { .. }
        | Write::UpdateTask { .. }
        | Write::UpdateStep { .. }
        | Write::SetResource { .. }
        | Write::Audit(_)
        | Write::Event(_) => {}
    }
    Ok(())
}

/// Locks resource `id`'s row; refuses (as a claim refuses an accept) when a task of any
/// replica holds it, which the writer's memory may not know of yet: a deletion or a reset does
/// not pull a resource from under a task.
async fn unheld(conn: &mut PgConnection, id: &str) -> StoreResult<()> {
    let held: Option<Option<i64>> =
        sqlx::query_scalar("SELECT active_task_id FROM resources WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    match held {
        Some(Some(task)) => Err(crate::StoreError::Claimed {
            resource: id.to_string(),
            task,
        }),
        _ => Ok(()),
    }
}
