//! A group's rows on PostgreSQL: each kind written by one statement over arrays (`UNNEST`), the
//! inserts before the updates (a row is only ever updated after the commit that inserted it).

use super::json;
use crate::grouped::Grouped;
use crate::{StoreResult, Write};
use sqlx::postgres::PgConnection;

/// Every row write of the group, in order.
pub(super) async fn write(conn: &mut PgConnection, g: &Grouped<'_>) -> StoreResult<()> {
    insert_tasks(conn, g).await?;
    insert_steps(conn, g).await?;
    update_steps(conn, &g.step_updates).await?;
    update_tasks(conn, &g.task_updates).await?;
    update_resources(conn, &g.resource_updates).await?;
    insert_audits(conn, g).await
}

async fn insert_tasks(conn: &mut PgConnection, g: &Grouped<'_>) -> StoreResult<()> {
    if g.tasks.is_empty() {
        return Ok(());
    }
    let t = &g.tasks;
    let targets = t
        .iter()
        .map(|t| json(&t.targets))
        .collect::<StoreResult<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO tasks (id, project_id, kind, action, target_id, only_self, principal, \
         request_id, state, progress, error, created_at, updated_at, finished_at, targets) \
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
         $6::boolean[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::text[], \
         $12::bigint[], $13::bigint[], $14::bigint[], $15::text[])",
    )
    .bind(t.iter().map(|t| t.id).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.project_id.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.kind.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.action.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.target_id.as_deref()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.only_self).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.principal.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.request_id.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.state.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.progress).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.error.as_deref()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.created_at).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.updated_at).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.finished_at).collect::<Vec<_>>())
    .bind(targets)
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert_steps(conn: &mut PgConnection, g: &Grouped<'_>) -> StoreResult<()> {
    if g.steps.is_empty() {
        return Ok(());
    }
    let s = &g.steps;
    let afters = s
        .iter()
        .map(|s| json(&s.after))
        .collect::<StoreResult<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO steps (task_id, idx, resource_id, action, follow_task, after, state, \
         attempts, prior_state, expected_ms, started_at, finished_at, error) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], \
         $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::bigint[], \
         $12::bigint[], $13::text[])",
    )
    .bind(s.iter().map(|s| s.task_id).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.idx as i64).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.resource_id.as_str()).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.action.as_str()).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.follow_task).collect::<Vec<_>>())
    .bind(afters)
    .bind(s.iter().map(|s| s.state.as_str()).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.attempts as i64).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.prior_state.as_str()).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.expected_ms).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.started_at).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.finished_at).collect::<Vec<_>>())
    .bind(s.iter().map(|s| s.error.as_deref()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

async fn update_steps(conn: &mut PgConnection, updates: &[&Write]) -> StoreResult<()> {
    let mut cols = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for w in updates {
        if let Write::UpdateStep {
            task_id,
            idx,
            state,
            attempts,
            started_at,
            finished_at,
            error,
            output,
        } = w
        {
            cols.0.push(*task_id);
            cols.1.push(*idx as i64);
            cols.2.push(state.as_str());
            cols.3.push(*attempts as i64);
            cols.4.push(*started_at);
            cols.5.push(*finished_at);
            cols.6.push(error.as_deref());
            cols.7.push(output.as_deref());
        }
    }
    if cols.0.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE steps s SET state = v.state, attempts = v.attempts, started_at = v.started_at, \
         finished_at = v.finished_at, error = v.error, output = v.output \
         FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], \
         $6::bigint[], $7::text[], $8::text[]) \
         AS v(task_id, idx, state, attempts, started_at, finished_at, error, output) \
         WHERE s.task_id = v.task_id AND s.idx = v.idx",
    )
    .bind(cols.0)
    .bind(cols.1)
    .bind(cols.2)
    .bind(cols.3)
    .bind(cols.4)
    .bind(cols.5)
    .bind(cols.6)
    .bind(cols.7)
    .execute(conn)
    .await?;
    Ok(())
}

async fn update_tasks(conn: &mut PgConnection, updates: &[&Write]) -> StoreResult<()> {
    let mut cols = (vec![], vec![], vec![], vec![], vec![], vec![]);
    for w in updates {
        if let Write::UpdateTask {
            id,
            state,
            progress,
            error,
            updated_at,
            finished_at,
        } = w
        {
            cols.0.push(*id);
            cols.1.push(state.as_str());
            cols.2.push(*progress);
            cols.3.push(error.as_deref());
            cols.4.push(*updated_at);
            cols.5.push(*finished_at);
        }
    }
    if cols.0.is_empty() {
        return Ok(());
    }
    // Progress never goes back, whatever order updates of one task land in.
    sqlx::query(
        "UPDATE tasks t SET state = v.state, progress = GREATEST(t.progress, v.progress), \
         error = v.error, updated_at = v.updated_at, finished_at = v.finished_at \
         FROM UNNEST($1::bigint[], $2::text[], $3::float8[], $4::text[], $5::bigint[], \
         $6::bigint[]) AS v(id, state, progress, error, updated_at, finished_at) \
         WHERE t.id = v.id",
    )
    .bind(cols.0)
    .bind(cols.1)
    .bind(cols.2)
    .bind(cols.3)
    .bind(cols.4)
    .bind(cols.5)
    .execute(conn)
    .await?;
    Ok(())
}

async fn update_resources(conn: &mut PgConnection, updates: &[&Write]) -> StoreResult<()> {
    let mut cols = (vec![], vec![], vec![], vec![], vec![]);
    for w in updates {
        if let Write::SetResource {
            id,
            state,
            active_task,
            last_error,
            updated_at,
        } = w
        {
            cols.0.push(id.as_str());
            cols.1.push(state.as_str());
            cols.2.push(*active_task);
            cols.3.push(last_error.as_deref());
            cols.4.push(*updated_at);
        }
    }
    if cols.0.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE resources r SET state = v.state, active_task_id = v.active_task_id, \
         last_error = v.last_error, updated_at = v.updated_at \
         FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[]) \
         AS v(id, state, active_task_id, last_error, updated_at) WHERE r.id = v.id",
    )
    .bind(cols.0)
    .bind(cols.1)
    .bind(cols.2)
    .bind(cols.3)
    .bind(cols.4)
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert_audits(conn: &mut PgConnection, g: &Grouped<'_>) -> StoreResult<()> {
    if g.audits.is_empty() {
        return Ok(());
    }
    let a = &g.audits;
    sqlx::query(
        "INSERT INTO audit (at, principal, project_id, action, target, request_id, source, \
         outcome, detail) SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], \
         $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])",
    )
    .bind(a.iter().map(|a| a.at).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.principal.as_str()).collect::<Vec<_>>())
    .bind(
        a.iter()
            .map(|a| a.project_id.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(a.iter().map(|a| a.action.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.target.as_deref()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.request_id.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.source.as_deref()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.outcome.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.detail.as_deref()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}
