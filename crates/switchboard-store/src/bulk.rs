//! Applying a group of writes as a few multi-row statements: one per kind of change instead of
//! one per row, since each statement costs a round trip to SQLite's worker thread (a hand-off
//! between threads, and under load a wait for a core). Rows go in statements padded to a power
//! of two ([`padded_chunks`]), so each statement's text recurs and sqlx's per-connection
//! statement cache prepares it once instead of on every group commit.

use crate::grouped::Grouped;
use crate::{StoreError, StoreResult, Write};
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// Most rows per statement: at most 15 columns × 512 rows, under SQLite's limit of 32766
/// bound variables.
const MAX_ROWS: usize = 512;

/// `items` cut into statements of [`MAX_ROWS`], each with the padding rows that bring its length
/// to a power of two: a kind of row then takes one statement (one round trip to SQLite's
/// thread) for up to 512 rows, and its text is one of ten, which sqlx's per-connection
/// statement cache prepares once.
pub(crate) fn padded_chunks<T>(mut items: &[T]) -> impl Iterator<Item = (&[T], usize)> {
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let (chunk, rest) = items.split_at(items.len().min(MAX_ROWS));
        items = rest;
        Some((chunk, chunk.len().next_power_of_two() - chunk.len()))
    })
}

/// Pushes `VALUES` with `rows` and then `pad` rows of `columns` NULLs. A padding row's first
/// column is NULL: an update joins on it and matches nothing, and an insert selects the rows
/// `WHERE column1 IS NOT NULL` ([`insert_padded`]).
pub(crate) fn push_padded<'args, T>(
    q: &mut QueryBuilder<'args, Sqlite>,
    rows: impl IntoIterator<Item = T>,
    pad: usize,
    columns: usize,
    mut bind: impl FnMut(&mut Separated<'_, 'args, Sqlite, &'static str>, T),
) {
    let padding = std::iter::repeat_with(|| None).take(pad);
    q.push_values(
        rows.into_iter().map(Some).chain(padding),
        |mut b, row| match row {
            Some(row) => bind(&mut b, row),
            None => {
                for _ in 0..columns {
                    b.push_bind(None::<i64>);
                }
            }
        },
    );
}

/// `INSERT INTO {into} SELECT * FROM (VALUES …) WHERE column1 IS NOT NULL`, the values pushed
/// by `values`: the padding rows are left out.
pub(crate) fn insert_padded<'args>(
    into: &str,
    values: impl FnOnce(&mut QueryBuilder<'args, Sqlite>),
) -> QueryBuilder<'args, Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(format!("INSERT INTO {into} SELECT * FROM ("));
    values(&mut q);
    q.push(") WHERE column1 IS NOT NULL");
    q
}

impl Grouped<'_> {
    /// Inserts first: a row is only ever updated after the commit that inserted it.
    pub async fn apply(&self, conn: &mut SqliteConnection) -> StoreResult<()> {
        for w in &self.resource_changes {
            crate::changes::apply(conn, w).await?;
        }
        for (chunk, pad) in padded_chunks(&self.tasks) {
            let mut targets = Vec::with_capacity(chunk.len());
            for t in chunk {
                targets.push(
                    serde_json::to_string(&t.targets)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
            }
            let rows = chunk.iter().zip(&targets);
            let mut q = insert_padded(
                "tasks (id, project_id, kind, action, target_id, only_self, principal, request_id,
                 state, progress, error, created_at, updated_at, finished_at, targets)",
                |q| {
                    push_padded(q, rows, pad, 15, |b, (t, targets)| {
                        b.push_bind(t.id)
                            .push_bind(&t.project_id)
                            .push_bind(&t.kind)
                            .push_bind(t.action.as_str())
                            .push_bind(&t.target_id)
                            .push_bind(t.only_self)
                            .push_bind(&t.principal)
                            .push_bind(&t.request_id)
                            .push_bind(t.state.as_str())
                            .push_bind(t.progress)
                            .push_bind(&t.error)
                            .push_bind(t.created_at)
                            .push_bind(t.updated_at)
                            .push_bind(t.finished_at)
                            .push_bind(targets);
                    })
                },
            );
            q.build().execute(&mut *conn).await?;
        }
        for (chunk, pad) in padded_chunks(&self.steps) {
            let mut afters = Vec::with_capacity(chunk.len());
            for s in chunk {
                afters.push(
                    serde_json::to_string(&s.after)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
            }
            let rows = chunk.iter().zip(&afters);
            let mut q = insert_padded(
                "steps (task_id, idx, resource_id, action, follow_task, after, state, attempts,
                 prior_state, expected_ms, started_at, finished_at, error)",
                |q| {
                    push_padded(q, rows, pad, 13, |b, (s, after)| {
                        b.push_bind(s.task_id)
                            .push_bind(s.idx as i64)
                            .push_bind(&s.resource_id)
                            .push_bind(s.action.as_str())
                            .push_bind(s.follow_task)
                            .push_bind(after)
                            .push_bind(s.state.as_str())
                            .push_bind(s.attempts as i64)
                            .push_bind(s.prior_state.as_str())
                            .push_bind(s.expected_ms)
                            .push_bind(s.started_at)
                            .push_bind(s.finished_at)
                            .push_bind(&s.error);
                    })
                },
            );
            q.build().execute(&mut *conn).await?;
        }
        for (chunk, pad) in padded_chunks(&self.step_updates) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "WITH v(task_id, idx, state, attempts, started_at, finished_at, error, output) AS (",
            );
            push_padded(&mut q, chunk, pad, 8, |b, w| {
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
                    b.push_bind(*task_id)
                        .push_bind(*idx as i64)
                        .push_bind(state.as_str())
                        .push_bind(*attempts as i64)
                        .push_bind(*started_at)
                        .push_bind(*finished_at)
                        .push_bind(error.clone())
                        .push_bind(output.clone());
                }
            });
            q.push(
                ") UPDATE steps SET state = v.state, attempts = v.attempts, started_at = v.started_at,
                 finished_at = v.finished_at, error = v.error, output = v.output
                 FROM v WHERE steps.task_id = v.task_id AND steps.idx = v.idx",
            );
            q.build().execute(&mut *conn).await?;
        }
        for (chunk, pad) in padded_chunks(&self.task_updates) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "WITH v(id, state, progress, error, updated_at, finished_at) AS (",
            );
            push_padded(&mut q, chunk, pad, 6, |b, w| {
                if let Write::UpdateTask {
                    id,
                    state,
                    progress,
                    error,
                    updated_at,
                    finished_at,
                } = w
                {
                    b.push_bind(*id)
                        .push_bind(state.as_str())
                        .push_bind(*progress)
                        .push_bind(error.clone())
                        .push_bind(*updated_at)
                        .push_bind(*finished_at);
                }
            });
            q.push(
                ") UPDATE tasks SET state = v.state, progress = MAX(tasks.progress, v.progress), error = v.error,
                 updated_at = v.updated_at, finished_at = v.finished_at FROM v WHERE tasks.id = v.id",
            );
            q.build().execute(&mut *conn).await?;
        }
        for (chunk, pad) in padded_chunks(&self.resource_updates) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "WITH v(id, state, active_task_id, last_error, updated_at) AS (",
            );
            push_padded(&mut q, chunk, pad, 5, |b, w| {
                if let Write::SetResource {
                    id,
                    state,
                    active_task,
                    last_error,
                    updated_at,
                } = w
                {
                    b.push_bind(id.clone())
                        .push_bind(state.as_str())
                        .push_bind(*active_task)
                        .push_bind(last_error.clone())
                        .push_bind(*updated_at);
                }
            });
            q.push(
                ") UPDATE resources SET state = v.state, active_task_id = v.active_task_id,
                 last_error = v.last_error, updated_at = v.updated_at FROM v WHERE resources.id = v.id",
            );
            q.build().execute(&mut *conn).await?;
        }
        for (chunk, pad) in padded_chunks(&self.audits) {
            let columns =
                "audit (at, principal, project_id, action, target, request_id, source, outcome, detail)";
            let mut q = insert_padded(columns, |q| {
                push_padded(q, chunk, pad, 9, |b, a| {
                    b.push_bind(a.at)
                        .push_bind(&a.principal)
                        .push_bind(&a.project_id)
                        .push_bind(&a.action)
                        .push_bind(&a.target)
                        .push_bind(&a.request_id)
                        .push_bind(&a.source)
                        .push_bind(&a.outcome)
                        .push_bind(&a.detail);
                })
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}
