//! Who runs each task on a database several writers share (migration 0009): the writer named by
//! the task's `executor`. Its lease is its writer row's, renewed for all its tasks at once; the
//! leader, as rescuer, removes the rows whose lease expired (`members::remove_expired`), and the
//! tasks those writers ran are then anyone's: a live writer claims them here.

use super::serving::{self, Lease};
use crate::StoreResult;
use sqlx::postgres::PgPool;
use switchboard_core::TaskId;

/// Claims for `lease`'s writer those of `tasks` unfinished and run by no live writer. Rows
/// another claimer has locked are skipped (`SKIP LOCKED`): it takes them, or they come up again
/// at the next claim. Fenced like every write, so a writer fenced off claims nothing.
pub(super) async fn claim(
    pool: &PgPool,
    lease: &Lease,
    tasks: &[TaskId],
) -> StoreResult<Vec<TaskId>> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    serving::check(&mut tx, lease.token, &lease.lose).await?;
    let claimed: Vec<TaskId> = sqlx::query_scalar(
        "UPDATE tasks t SET executor = $1 FROM (SELECT id FROM tasks o \
         WHERE o.id = ANY($2) AND o.state IN ('NEW', 'IN_PROGRESS') \
         AND (o.executor IS NULL OR NOT EXISTS (SELECT 1 FROM writers w WHERE w.token = o.executor)) \
         ORDER BY o.id FOR UPDATE SKIP LOCKED) c WHERE t.id = c.id RETURNING t.id",
    )
    .bind(lease.token)
    .bind(tasks)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed)
}

/// Unsets the executor of task `id` if it is `lease`'s writer (fenced).
pub(super) async fn let_go(pool: &PgPool, lease: &Lease, id: TaskId) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    serving::check(&mut tx, lease.token, &lease.lose).await?;
    sqlx::query("UPDATE tasks SET executor = NULL WHERE id = $1 AND executor = $2")
        .bind(id)
        .bind(lease.token)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the row of writer `token` beside the leader (fenced: only a writer still writing
/// removes it). The removal waits for that writer's writes in flight, which lock its row.
pub(super) async fn fence(pool: &PgPool, lease: &Lease, token: i64) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    serving::check(&mut tx, lease.token, &lease.lose).await?;
    let removed: Option<Option<String>> = sqlx::query_scalar(
        "DELETE FROM writers WHERE token = $1 AND name IS NOT NULL RETURNING name",
    )
    .bind(token)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some(name) = removed {
        tracing::warn!(
            token,
            name = name.as_deref().unwrap_or("?"),
            "fenced off a writer beside the leader: a restore replaces the state its task was in"
        );
    }
    Ok(())
}
