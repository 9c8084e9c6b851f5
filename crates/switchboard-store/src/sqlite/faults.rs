//! Fault rules (in order, with counters) and their firings.

use crate::decode::{firing, FiringRow};
use crate::{StoreError, StoreResult, Write};
use sqlx::sqlite::SqlitePool;
use sqlx::SqliteConnection;
use switchboard_core::faults::{FaultFiring, FaultRule, StoredRule};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Applies a fault write inside the commit's transaction.
pub(crate) async fn apply(conn: &mut SqliteConnection, w: &Write) -> StoreResult<()> {
    match w {
        Write::SetFaultRules(rules) => {
            sqlx::query("DELETE FROM fault_rules")
                .execute(&mut *conn)
                .await?;
            for (i, s) in rules.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO fault_rules (position, id, rule, matched, fired) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(i as i64)
                .bind(s.rule.id.as_deref().unwrap_or_default())
                .bind(serde_json::to_string(&s.rule).map_err(corrupt)?)
                .bind(s.matched as i64)
                .bind(s.fired as i64)
                .execute(&mut *conn)
                .await?;
            }
        }
        Write::FaultUsed(used) => {
            let sql = if used.retired {
                "DELETE FROM fault_rules WHERE id = ?3"
            } else {
                "UPDATE fault_rules SET matched = ?1, fired = ?2 WHERE id = ?3"
            };
            sqlx::query(sql)
                .bind(used.matched as i64)
                .bind(used.fired as i64)
                .bind(&used.rule_id)
                .execute(&mut *conn)
                .await?;
            if let Some(f) = &used.firing {
                sqlx::query(
                    "INSERT INTO fault_firings (rule_id, at, family, action, resource, project_id,
                     request_id, step, principal, effect) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                .execute(&mut *conn)
                .await?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub(super) async fn rules(pool: &SqlitePool) -> StoreResult<Vec<StoredRule>> {
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT rule, matched, fired FROM fault_rules ORDER BY position")
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(rule, matched, fired)| {
            Ok(StoredRule {
                rule: serde_json::from_str::<FaultRule>(&rule).map_err(corrupt)?,
                matched: matched as u64,
                fired: fired as u64,
            })
        })
        .collect()
}

pub(super) async fn firings(
    pool: &SqlitePool,
    projects: Option<&[String]>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<FaultFiring>> {
    let projects = projects
        .map(|p| serde_json::to_string(p).map_err(corrupt))
        .transpose()?;
    let rows: Vec<FiringRow> = sqlx::query_as(
        "SELECT seq, rule_id, at, family, action, resource, project_id, request_id, step,
         principal, effect FROM fault_firings
         WHERE ?1 IS NULL OR project_id IN (SELECT value FROM json_each(?1))
         ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
    )
    .bind(projects)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(firing).collect())
}
