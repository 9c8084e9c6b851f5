//! Group commit: one task owns the single SQLite write connection; callers send batches of
//! `Write`s, and everything queued while a transaction runs goes into the next one. A batch that
//! fails on its own is retried alone so that one bad submission cannot fail its neighbours.

use crate::{StoreError, StoreResult, Write};
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

/// Most submissions folded into one transaction.
const MAX_GROUP: usize = 512;

pub(crate) struct Submission {
    pub writes: Vec<Write>,
    pub done: oneshot::Sender<StoreResult<()>>,
}

pub(crate) fn spawn(mut conn: SqliteConnection) -> mpsc::UnboundedSender<Submission> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Submission>();
    tokio::spawn(async move {
        let mut group = Vec::with_capacity(MAX_GROUP);
        while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
            match apply_group(&mut conn, &group).await {
                Ok(()) => {
                    for s in group.drain(..) {
                        let _ = s.done.send(Ok(()));
                    }
                }
                Err(err) if group.len() == 1 => {
                    tracing::error!(%err, "write failed");
                    if let Some(s) = group.pop() {
                        let _ = s.done.send(Err(err));
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, n = group.len(), "group commit failed; retrying one by one");
                    for s in group.drain(..) {
                        let res = apply_group(&mut conn, std::slice::from_ref(&s)).await;
                        let _ = s.done.send(res);
                    }
                }
            }
        }
        let _ = conn.close().await;
    });
    tx
}

async fn apply_group(conn: &mut SqliteConnection, group: &[Submission]) -> StoreResult<()> {
    let mut tx = conn.begin().await?;
    for s in group {
        for w in &s.writes {
            apply(&mut tx, w).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn apply(conn: &mut SqliteConnection, write: &Write) -> StoreResult<()> {
    match write {
        Write::InsertTask { task, steps } => {
            sqlx::query(
                "INSERT INTO tasks (id, project_id, kind, action, target_id, only_self, principal,
                 request_id, state, progress, error, created_at, updated_at, finished_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(task.id)
            .bind(&task.project_id)
            .bind(&task.kind)
            .bind(task.action.as_str())
            .bind(&task.target_id)
            .bind(task.only_self)
            .bind(&task.principal)
            .bind(&task.request_id)
            .bind(task.state.as_str())
            .bind(task.progress)
            .bind(&task.error)
            .bind(task.created_at)
            .bind(task.updated_at)
            .bind(task.finished_at)
            .execute(&mut *conn)
            .await?;
            for s in steps {
                let after = serde_json::to_string(&s.after)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO steps (task_id, idx, resource_id, action, follow_task, after, state,
                     attempts, prior_state, expected_ms, started_at, finished_at, error)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(s.task_id)
                .bind(s.idx as i64)
                .bind(&s.resource_id)
                .bind(s.action.as_str())
                .bind(s.follow_task)
                .bind(after)
                .bind(s.state.as_str())
                .bind(s.attempts as i64)
                .bind(s.prior_state.as_str())
                .bind(s.expected_ms)
                .bind(s.started_at)
                .bind(s.finished_at)
                .bind(&s.error)
                .execute(&mut *conn)
                .await?;
            }
        }
        Write::UpdateTask {
            id,
            state,
            progress,
            error,
            updated_at,
            finished_at,
        } => {
            sqlx::query(
                "UPDATE tasks SET state = ?, progress = MAX(progress, ?), error = ?, updated_at = ?,
                 finished_at = ? WHERE id = ?",
            )
            .bind(state.as_str())
            .bind(progress)
            .bind(error)
            .bind(updated_at)
            .bind(finished_at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Write::UpdateStep {
            task_id,
            idx,
            state,
            attempts,
            started_at,
            finished_at,
            error,
        } => {
            sqlx::query(
                "UPDATE steps SET state = ?, attempts = ?, started_at = ?, finished_at = ?, error = ?
                 WHERE task_id = ? AND idx = ?",
            )
            .bind(state.as_str())
            .bind(*attempts as i64)
            .bind(started_at)
            .bind(finished_at)
            .bind(error)
            .bind(task_id)
            .bind(*idx as i64)
            .execute(&mut *conn)
            .await?;
        }
        Write::SetResource {
            id,
            state,
            active_task,
            last_error,
            updated_at,
        } => {
            sqlx::query(
                "UPDATE resources SET state = ?, active_task_id = ?, last_error = ?, updated_at = ?
                 WHERE id = ?",
            )
            .bind(state.as_str())
            .bind(active_task)
            .bind(last_error)
            .bind(updated_at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Write::Audit(a) => {
            sqlx::query(
                "INSERT INTO audit (at, principal, project_id, action, target, request_id, source,
                 outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(a.at)
            .bind(&a.principal)
            .bind(&a.project_id)
            .bind(&a.action)
            .bind(&a.target)
            .bind(&a.request_id)
            .bind(&a.source)
            .bind(&a.outcome)
            .bind(&a.detail)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
