//! Reading tasks and their steps back.

use super::json_rows;
use crate::{ResourceTask, ResourceTaskPage, StepRecord, StoreResult, TaskFilter, TaskRecord};
use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashMap;
use switchboard_core::{Millis, TaskId};

pub(super) async fn max_task_id(pool: &SqlitePool) -> StoreResult<TaskId> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM tasks")
        .fetch_one(pool)
        .await?;
    Ok(id.unwrap_or(0))
}

pub(super) async fn task(pool: &SqlitePool, id: TaskId) -> StoreResult<Option<TaskRecord>> {
    let sql = tasks_page() + "SELECT * FROM tasks WHERE id = ?)";
    let page: String = sqlx::query_scalar(&sql).bind(id).fetch_one(pool).await?;
    Ok(json_rows::tasks(&page)?.pop())
}

pub(super) async fn steps(pool: &SqlitePool, task_id: TaskId) -> StoreResult<Vec<StepRecord>> {
    let sql = format!(
        "SELECT json_group_array({} ORDER BY idx) FROM steps WHERE task_id = ?",
        json_rows::STEP_JSON
    );
    let page: String = sqlx::query_scalar(&sql)
        .bind(task_id)
        .fetch_one(pool)
        .await?;
    json_rows::steps(&page)
}

pub(super) async fn tasks(pool: &SqlitePool, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>> {
    // Only the conditions that filter, so the planner can walk the primary key (or the
    // state index) from `before` downwards and stop after the page; the page comes back as
    // one JSON value.
    let mut sql = tasks_page() + "SELECT * FROM tasks WHERE 1";
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
    sql.push_str(" ORDER BY id DESC LIMIT ? OFFSET ?)");
    let mut query = sqlx::query_scalar::<_, String>(&sql);
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
    let page = query
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_one(pool)
        .await?;
    json_rows::tasks(&page)
}

pub(super) async fn unfinished_tasks(pool: &SqlitePool) -> StoreResult<Vec<TaskRecord>> {
    let sql = format!(
        "SELECT json_group_array({} ORDER BY id) FROM tasks WHERE state IN ('NEW', 'IN_PROGRESS')",
        json_rows::TASK_JSON
    );
    let page: String = sqlx::query_scalar(&sql).fetch_one(pool).await?;
    json_rows::tasks(&page)
}

/// Pushes a condition on when task `t` last changed as seen from `resource_id`: its own last
/// update, or the latest start or end of its steps there.
fn push_changed<'a>(
    q: &mut QueryBuilder<'a, Sqlite>,
    resource_id: &'a str,
    compare: &str,
    at: Millis,
) {
    q.push(
        " AND MAX(t.updated_at, COALESCE((SELECT MAX(COALESCE(c.finished_at, c.started_at))
         FROM steps c WHERE c.task_id = t.id AND c.resource_id = ",
    )
    .push_bind(resource_id)
    .push(format!("), t.updated_at)) {compare} "))
    .push_bind(at);
}

/// The head of a query for a page of tasks as one JSON value; the query selecting the page's
/// rows, and a closing parenthesis, follow.
fn tasks_page() -> String {
    format!(
        "SELECT json_group_array({} ORDER BY id DESC) FROM (",
        json_rows::TASK_JSON
    )
}

pub(super) async fn resource_tasks(
    pool: &SqlitePool,
    resource_id: &str,
    page: &ResourceTaskPage,
) -> StoreResult<Vec<ResourceTask>> {
    let mut q = match &page.request_ids {
        // A request's tasks through the request id index, kept if they touched the resource.
        Some(ids) => {
            // The leading NULL keeps an empty list valid SQL; it matches nothing.
            let mut q = QueryBuilder::<Sqlite>::new(tasks_page());
            q.push("SELECT t.* FROM tasks t WHERE t.request_id IN (NULL");
            for id in ids {
                q.push(", ").push_bind(id);
            }
            q.push(
                ") AND EXISTS (SELECT 1 FROM steps s WHERE s.task_id = t.id AND s.resource_id = ",
            )
            .push_bind(resource_id)
            .push(")");
            q
        }
        // Down the steps' (resource, task) index from the newest: no sort, and the walk
        // stops once the page is full.
        None => {
            let mut q = QueryBuilder::<Sqlite>::new(tasks_page());
            q.push("SELECT t.* FROM steps s CROSS JOIN tasks t ON t.id = s.task_id WHERE s.resource_id = ");
            q.push_bind(resource_id);
            q
        }
    };
    if let Some(id) = page.older_than {
        // On the walked column, so that the walk starts there.
        let column = if page.request_ids.is_none() {
            "s.task_id"
        } else {
            "t.id"
        };
        q.push(format!(" AND {column} < ")).push_bind(id);
    }
    if let Some(since) = page.changed_since {
        push_changed(&mut q, resource_id, ">=", since);
    }
    if let Some(before) = page.changed_before {
        push_changed(&mut q, resource_id, "<=", before);
    }
    if page.request_ids.is_none() {
        // A task with several steps on the resource once.
        q.push(" GROUP BY s.task_id ORDER BY s.task_id DESC");
    } else {
        q.push(" ORDER BY t.id DESC");
    }
    q.push(" LIMIT ").push_bind(page.limit).push(")");
    let tasks = json_rows::tasks(&q.build_query_scalar::<String>().fetch_one(pool).await?)?;
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    // The page's steps on the resource, in one statement.
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "SELECT json_group_array({} ORDER BY task_id, idx) FROM steps WHERE resource_id = ",
        json_rows::STEP_JSON
    ));
    q.push_bind(resource_id).push(" AND task_id IN (");
    let mut list = q.separated(", ");
    for t in &tasks {
        list.push_bind(t.id);
    }
    q.push(")");
    let page = q.build_query_scalar::<String>().fetch_one(pool).await?;
    let mut steps: HashMap<TaskId, Vec<StepRecord>> = HashMap::with_capacity(tasks.len());
    for step in json_rows::steps(&page)? {
        steps.entry(step.task_id).or_default().push(step);
    }
    Ok(tasks
        .into_iter()
        .map(|task| ResourceTask {
            steps: steps.remove(&task.id).unwrap_or_default(),
            task,
        })
        .collect())
}
