//! The read seams on PostgreSQL: the audit trail, the event log's replay, and the test team's
//! controls (transitions, the simulated clock, fault rules and firings), as SQLite reads them.

use super::PgStore;
use crate::decode::{event, firing, FiringRow};
use crate::{
    AuditFilter, AuditRecord, AuditStore, ControlStore, Event, EventFilter, StoreError,
    StoreResult, TextMatch,
};
use sqlx::postgres::PgPool;
use sqlx::{Postgres, QueryBuilder};
use switchboard_core::faults::{FaultFiring, FaultRule, StoredRule};
use switchboard_core::transitions::Transition;

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// An audit row, in [`AuditRecord`]'s order.
type AuditRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn audit_of_row(r: AuditRow) -> AuditRecord {
    let (id, at, principal, project_id, action, target, request_id, source, outcome, detail) = r;
    AuditRecord {
        id,
        at,
        principal,
        project_id,
        action,
        target,
        request_id,
        source,
        outcome,
        detail,
    }
}

/// Pushes ` AND column = value` or, for a prefix, a literal comparison of the column's start
/// (`starts_with`, not LIKE, so that `%` and `_` in the prefix stay literal).
fn push_match<'a>(q: &mut QueryBuilder<'a, Postgres>, column: &str, m: Option<&'a TextMatch>) {
    match TextMatch::split(m) {
        (Some(exact), _) => {
            q.push(format!(" AND {column} = ")).push_bind(exact);
        }
        (None, Some(prefix)) => {
            q.push(format!(" AND starts_with({column}, "))
                .push_bind(prefix)
                .push(")");
        }
        (None, None) => {}
    }
}

#[async_trait::async_trait]
impl AuditStore for PgStore {
    async fn audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        // Only the conditions that filter, so that the plan of each shape can use the project
        // index or walk the primary key down from `before` (a `$n IS NULL OR …` would hide that
        // from a generic plan).
        let mut q = QueryBuilder::<Postgres>::new(
            "SELECT id, at, principal, project_id, action, target, request_id, source, outcome, \
             detail FROM audit WHERE TRUE",
        );
        if let Some(p) = &f.project_id {
            q.push(" AND project_id = ").push_bind(p);
        }
        if let Some(p) = &f.principal {
            q.push(" AND principal = ").push_bind(p);
        }
        push_match(&mut q, "action", f.action.as_ref());
        if let Some(t) = &f.target {
            q.push(" AND target = ").push_bind(t);
        }
        push_match(&mut q, "outcome", f.outcome.as_ref());
        if let Some(since) = f.since {
            q.push(" AND at >= ").push_bind(since);
        }
        if let Some(until) = f.until {
            q.push(" AND at <= ").push_bind(until);
        }
        if let Some(before) = f.before {
            q.push(" AND id < ").push_bind(before);
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(f.limit)
            .push(" OFFSET ")
            .push_bind(f.offset);
        let rows: Vec<AuditRow> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(audit_of_row).collect())
    }
}

/// Retained events after `after` matching `filter`, oldest first, at most `limit` (the
/// `EventStore` read; its subscription needs the writer's hub).
pub(super) async fn events_after(
    pool: &PgPool,
    filter: &EventFilter,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    let rows: Vec<WrittenRow> = sqlx::query_as(
        "SELECT seq, project_id, task_id, type, data, writer FROM events \
         WHERE project_id = $1 AND seq > $2 AND ($3::BIGINT IS NULL OR task_id = $3) \
         ORDER BY seq LIMIT $4",
    )
    .bind(&filter.project_id)
    .bind(after)
    .bind(filter.task_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(written).collect())
}

/// An event's columns and its writer's token.
type WrittenRow = (i64, String, Option<i64>, String, String, i64);

fn written((seq, project_id, task_id, kind, data, writer): WrittenRow) -> Event {
    Event {
        writer,
        ..event((seq, project_id, task_id, kind, data))
    }
}

/// Every writer's events after `after` and below `before`, oldest first, at most `limit`,
/// with their writers.
pub(super) async fn events_between<'e>(
    db: impl sqlx::PgExecutor<'e>,
    after: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    let rows: Vec<WrittenRow> = sqlx::query_as(
        "SELECT seq, project_id, task_id, type, data, writer FROM events \
         WHERE seq > $1 AND seq < $2 ORDER BY seq LIMIT $3",
    )
    .bind(after)
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(written).collect())
}

/// The oldest retained event's seq; `None` when none is.
pub(super) async fn oldest_event_seq(pool: &PgPool) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(seq) FROM events")
        .fetch_one(pool)
        .await?)
}

/// A fault firing row, in [`FaultFiring`]'s order.
#[async_trait::async_trait]
impl ControlStore for PgStore {
    async fn transitions(&self) -> StoreResult<Vec<Transition>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT setting FROM transitions ORDER BY position")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(corrupt))
            .collect()
    }

    async fn clock_offset(&self) -> StoreResult<i64> {
        let offset: Option<i64> =
            sqlx::query_scalar("SELECT offset_ms FROM sim_clock WHERE id = 0")
                .fetch_optional(&self.pool)
                .await?;
        Ok(offset.unwrap_or(0))
    }

    async fn fault_rules(&self) -> StoreResult<Vec<StoredRule>> {
        let rows: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT rule, matched, fired FROM fault_rules ORDER BY position")
                .fetch_all(&self.pool)
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

    async fn fault_firings(
        &self,
        projects: Option<&[String]>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<FaultFiring>> {
        let rows: Vec<FiringRow> = sqlx::query_as(
            "SELECT seq, rule_id, at, family, action, resource, project_id, request_id, step, \
             principal, effect FROM fault_firings \
             WHERE $1::TEXT[] IS NULL OR project_id = ANY($1) \
             ORDER BY seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(projects)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(firing).collect())
    }
}
