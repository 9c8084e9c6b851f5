//! Reading tasks and their steps back.

use super::rows;
use crate::{StepRecord, StoreResult, TaskFilter, TaskRecord};
use sqlx::sqlite::SqlitePool;
use switchboard_core::TaskId;

pub(super) async fn max_task_id(pool: &SqlitePool) -> StoreResult<TaskId> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM tasks")
        .fetch_one(pool)
        .await?;
    Ok(id.unwrap_or(0))
}

pub(super) async fn task(pool: &SqlitePool, id: TaskId) -> StoreResult<Option<TaskRecord>> {
    sqlx::query("SELECT * FROM tasks WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(rows::task)
        .transpose()
}

pub(super) async fn steps(pool: &SqlitePool, task_id: TaskId) -> StoreResult<Vec<StepRecord>> {
    sqlx::query("SELECT * FROM steps WHERE task_id = ? ORDER BY idx")
        .bind(task_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::step)
        .collect()
}

pub(super) async fn tasks(pool: &SqlitePool, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>> {
    // Only the conditions that filter, so the planner can walk the primary key (or the
    // state index) from `before` downwards and stop after the page.
    let mut sql = String::from("SELECT * FROM tasks WHERE 1");
    for (set, condition) in [
        (filter.project_id.is_some(), " AND project_id = ?"),
        (filter.state.is_some(), " AND state = ?"),
        (filter.request_id.is_some(), " AND request_id = ?"),
        (filter.before.is_some(), " AND id < ?"),
    ] {
        if set {
            sql.push_str(condition);
        }
    }
    sql.push_str(" ORDER BY id DESC LIMIT ? OFFSET ?");
    let mut query = sqlx::query(&sql);
    if let Some(p) = &filter.project_id {
        query = query.bind(p);
    }
    if let Some(s) = filter.state {
        query = query.bind(s.as_str());
    }
    if let Some(r) = &filter.request_id {
        query = query.bind(r);
    }
    if let Some(b) = filter.before {
        query = query.bind(b);
    }
    query
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::task)
        .collect()
}

pub(super) async fn unfinished_tasks(pool: &SqlitePool) -> StoreResult<Vec<TaskRecord>> {
    sqlx::query("SELECT * FROM tasks WHERE state IN ('NEW', 'IN_PROGRESS') ORDER BY id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::task)
        .collect()
}
