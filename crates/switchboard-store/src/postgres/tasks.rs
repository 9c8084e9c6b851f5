//! The task seam on PostgreSQL: tasks and their steps read back as plain rows (the SQLite store
//! packs a page into one JSON value to cross its thread in one message; a PostgreSQL connection
//! streams rows anyway). Stored text is decoded as SQLite's is: enums by name, `targets` and
//! `after` as JSON arrays.

use super::PgStore;
use crate::decode::{corrupt, StepColumns, TaskColumns};
use crate::{
    ResourceTask, ResourceTaskPage, StepRecord, StoreResult, TaskFilter, TaskRecord, TaskStore,
};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};
use sqlx::{Postgres, QueryBuilder};
use std::collections::HashMap;
use switchboard_core::{Millis, TaskId};

/// A task's columns, in [`TaskColumns`]' order (`t` names the tasks table).
const TASK_COLUMNS: &str = "t.id, t.project_id, t.kind, t.action, t.target_id, t.only_self, \
     t.principal, t.request_id, t.state, t.progress, t.error, t.created_at, t.updated_at, \
     t.finished_at, t.targets, t.cancel_requested";

/// A step's columns, in [`StepColumns`]' order.
const STEP_COLUMNS: &str = "task_id, idx, resource_id, action, follow_task, after, state, \
     attempts, prior_state, expected_ms, started_at, finished_at, error, output";

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text)
        .map_err(|e| sqlx::Error::Decode(corrupt(what, &e.to_string()).into()))
}

fn count<T: TryFrom<i64>>(what: &str, n: i64) -> Result<T, sqlx::Error> {
    T::try_from(n).map_err(|_| sqlx::Error::Decode(corrupt(what, &n.to_string()).into()))
}

/// A row of [`TASK_COLUMNS`].
impl FromRow<'_, PgRow> for TaskColumns {
    fn from_row(r: &PgRow) -> Result<Self, sqlx::Error> {
        let targets: Option<String> = r.try_get(14)?;
        Ok(TaskColumns(
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
            r.try_get(12)?,
            r.try_get(13)?,
            targets.map(|t| json("task targets", &t)).transpose()?,
            r.try_get(15)?,
        ))
    }
}

/// A row of [`STEP_COLUMNS`].
impl FromRow<'_, PgRow> for StepColumns {
    fn from_row(r: &PgRow) -> Result<Self, sqlx::Error> {
        Ok(StepColumns(
            r.try_get(0)?,
            count("step index", r.try_get(1)?)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            json("step after", r.try_get(5)?)?,
            r.try_get(6)?,
            count("step attempts", r.try_get(7)?)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
            r.try_get(12)?,
            r.try_get(13)?,
        ))
    }
}

/// A row of [`TASK_COLUMNS`] and the task's executor, for the engine (the listings leave it
/// out: they show no one which replica runs what).
struct Executed(TaskColumns, Option<i64>);

impl FromRow<'_, PgRow> for Executed {
    fn from_row(r: &PgRow) -> Result<Self, sqlx::Error> {
        Ok(Executed(TaskColumns::from_row(r)?, r.try_get(16)?))
    }
}

impl Executed {
    fn record(self) -> StoreResult<TaskRecord> {
        let executor = self.1;
        self.0.record().map(|t| TaskRecord { executor, ..t })
    }
}

fn tasks_of(rows: Vec<TaskColumns>) -> StoreResult<Vec<TaskRecord>> {
    rows.into_iter().map(TaskColumns::record).collect()
}

fn steps_of(rows: Vec<StepColumns>) -> StoreResult<Vec<StepRecord>> {
    rows.into_iter().map(StepColumns::record).collect()
}

/// Pushes a condition on when task `t` last changed as seen from `resource_id`: its own last
/// update, or the latest start or end of its steps there.
fn push_changed<'a>(
    q: &mut QueryBuilder<'a, Postgres>,
    resource_id: &'a str,
    compare: &str,
    at: Millis,
) {
    q.push(
        " AND GREATEST(t.updated_at, COALESCE((SELECT MAX(COALESCE(c.finished_at, c.started_at)) \
         FROM steps c WHERE c.task_id = t.id AND c.resource_id = ",
    )
    .push_bind(resource_id)
    .push(format!("), t.updated_at)) {compare} "))
    .push_bind(at);
}

/// Task ids in a block of `task_id_blocks` (migration 0006).
const TASK_ID_BLOCK: i64 = 1024;

#[async_trait::async_trait]
impl TaskStore for PgStore {
    async fn reserve_task_ids(&self) -> StoreResult<std::ops::Range<TaskId>> {
        let block: i64 = sqlx::query_scalar("SELECT nextval('task_id_blocks')")
            .fetch_one(&self.pool)
            .await?;
        // Migration 0006: block b holds the ids (b - 1) * 1024 + 1 to b * 1024.
        let first = (block - 1) * TASK_ID_BLOCK + 1;
        Ok(first..first + TASK_ID_BLOCK)
    }

    async fn task(&self, id: TaskId) -> StoreResult<Option<TaskRecord>> {
        let sql = format!("SELECT {TASK_COLUMNS}, t.executor FROM tasks t WHERE t.id = $1");
        let row: Option<Executed> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Executed::record).transpose()
    }

    async fn steps(&self, task_id: TaskId) -> StoreResult<Vec<StepRecord>> {
        let sql = format!("SELECT {STEP_COLUMNS} FROM steps WHERE task_id = $1 ORDER BY idx");
        let rows: Vec<StepColumns> = sqlx::query_as(&sql)
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        steps_of(rows)
    }

    async fn tasks(&self, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>> {
        // Only the conditions that filter, so the planner can walk the primary key (or the
        // state or project index) from `before` downwards and stop after the page.
        let mut q =
            QueryBuilder::<Postgres>::new(format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE TRUE"));
        if let Some(p) = &filter.project_id {
            q.push(" AND t.project_id = ").push_bind(p);
        }
        if let Some(s) = filter.state {
            q.push(" AND t.state = ").push_bind(s.as_str());
        }
        if let Some(r) = &filter.request_id {
            q.push(" AND t.request_id = ").push_bind(r);
        }
        if let Some(b) = filter.before {
            q.push(" AND t.id < ").push_bind(b);
        }
        q.push(" ORDER BY t.id DESC LIMIT ")
            .push_bind(filter.limit)
            .push(" OFFSET ")
            .push_bind(filter.offset);
        tasks_of(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn unfinished_tasks(&self) -> StoreResult<Vec<TaskRecord>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS}, t.executor FROM tasks t \
             WHERE t.state IN ('NEW', 'IN_PROGRESS') ORDER BY t.id"
        );
        let rows: Vec<Executed> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(Executed::record).collect()
    }

    async fn resource_tasks(
        &self,
        resource_id: &str,
        page: &ResourceTaskPage,
    ) -> StoreResult<Vec<ResourceTask>> {
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {TASK_COLUMNS} "));
        match &page.request_ids {
            // A request's tasks through the request id index, kept if they touched the
            // resource; an empty list matches nothing.
            Some(ids) => {
                q.push("FROM tasks t WHERE t.request_id = ANY(")
                    .push_bind(ids.as_slice())
                    .push(") AND EXISTS (SELECT 1 FROM steps s WHERE s.task_id = t.id AND s.resource_id = ")
                    .push_bind(resource_id)
                    .push(")");
            }
            // Down the steps' (resource, task) index from the newest: t.id and s.task_id are
            // one ordering to the planner, so no sort, and the walk stops once the page is full.
            None => {
                q.push("FROM steps s JOIN tasks t ON t.id = s.task_id WHERE s.resource_id = ")
                    .push_bind(resource_id);
            }
        }
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
            // A task with several steps on the resource once (t.* hangs on its primary key).
            q.push(" GROUP BY t.id");
        }
        q.push(" ORDER BY t.id DESC LIMIT ").push_bind(page.limit);
        let tasks = tasks_of(q.build_query_as().fetch_all(&self.pool).await?)?;
        if tasks.is_empty() {
            return Ok(Vec::new());
        }
        // The page's steps on the resource, in one statement.
        let ids: Vec<TaskId> = tasks.iter().map(|t| t.id).collect();
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM steps WHERE resource_id = $1 AND task_id = ANY($2) \
             ORDER BY task_id, idx"
        );
        let rows: Vec<StepColumns> = sqlx::query_as(&sql)
            .bind(resource_id)
            .bind(&ids)
            .fetch_all(&self.pool)
            .await?;
        let mut steps: HashMap<TaskId, Vec<StepRecord>> = HashMap::with_capacity(tasks.len());
        for step in steps_of(rows)? {
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
}
