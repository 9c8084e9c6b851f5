//! PostgreSQL's side of group commit: one transaction per group on the writer's own connection,
//! each kind of row written by one statement over arrays (`UNNEST`), and the group's events
//! numbered from `event_head`.

use crate::events::{with_seq, EventHub};
use crate::grouped::Grouped;
use crate::writer::{GroupCommit, Submission};
use crate::{Event, EventRecord, StoreError, StoreResult, Write};
use sqlx::postgres::PgConnection;
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows over the retention that trigger a prune: pruning in batches keeps it cheap per commit.
const PRUNE_BATCH: i64 = 1024;
/// How long the writer keeps trying to reach PostgreSQL before a group fails.
const RECONNECT_FOR: Duration = Duration::from_secs(60);

pub(super) struct PgGroups {
    /// `None` after the connection was lost: the next group connects again.
    pub conn: Option<PgConnection>,
    pub url: String,
    /// `synchronous_commit = off` on the writer's connection.
    pub relaxed: bool,
    /// Set when another server took the database over: nothing more is written.
    pub fenced: Arc<AtomicBool>,
    pub hub: EventHub,
    pub retention: i64,
    /// Everything at or below this has been pruned (or never existed).
    pub pruned_to: i64,
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The writer's connection to `url`.
pub(super) async fn connect(url: &str, relaxed: bool) -> StoreResult<PgConnection> {
    let mut conn = PgConnection::connect(url).await?;
    if relaxed {
        sqlx::query("SET synchronous_commit = off")
            .execute(&mut conn)
            .await?;
    }
    Ok(conn)
}

/// Whether `err` means the connection is gone (the server restarted, the session was ended,
/// the network dropped), rather than that the group itself was refused.
fn connection_lost(err: &StoreError) -> bool {
    match err {
        StoreError::Database(sqlx::Error::Io(_) | sqlx::Error::Protocol(_)) => true,
        StoreError::Database(sqlx::Error::Database(e)) => e
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

#[async_trait::async_trait]
impl GroupCommit for PgGroups {
    /// On a lost connection (PostgreSQL restarting, the session ended, the network down) the
    /// group is tried again on a new one, with growing pauses, for up to [`RECONNECT_FOR`]:
    /// nothing can commit meanwhile anyway, and giving up would drop the background writes
    /// that finish tasks. Nothing of a failed attempt was committed unless the loss came during
    /// the COMMIT itself; then the next attempt fails on the rows already there instead of
    /// doubling them.
    async fn apply(&mut self, group: &[Submission]) -> StoreResult<Vec<Event>> {
        if self.fenced.load(Ordering::SeqCst) {
            return Err(StoreError::InUse(super::serving::LOST));
        }
        let lost_at = Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            let attempt = match self.conn.take() {
                Some(conn) => Ok(conn),
                None => connect(&self.url, self.relaxed).await,
            };
            let result = match attempt {
                Ok(mut conn) => {
                    let result =
                        apply_group(&mut conn, group, self.retention, &mut self.pruned_to).await;
                    if !result.as_ref().is_err_and(connection_lost) {
                        self.conn = Some(conn);
                    }
                    result
                }
                Err(err) => Err(err),
            };
            match result {
                Err(err) if connection_lost(&err) && lost_at.elapsed() < RECONNECT_FOR => {
                    tracing::warn!(%err, "no connection to PostgreSQL; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                result => return result,
            }
        }
    }

    fn publish(&mut self, events: Vec<Event>) {
        for e in events {
            self.hub.published.store(e.seq, Ordering::SeqCst);
            // No receiver is not an error: nobody is listening.
            let _ = self.hub.sender.send(Arc::new(e));
        }
    }

    async fn close(self) {
        if let Some(conn) = self.conn {
            let _ = conn.close().await;
        }
    }
}

/// One transaction for the group's writes and events, durable on return.
async fn apply_group(
    conn: &mut PgConnection,
    group: &[Submission],
    retention: i64,
    pruned_to: &mut i64,
) -> StoreResult<Vec<Event>> {
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    let grouped = Grouped::new(group.iter().flat_map(|s| s.writes.iter()));
    for w in &grouped.resource_changes {
        super::changes::apply(&mut tx, w).await?;
    }
    insert_tasks(&mut tx, &grouped).await?;
    insert_steps(&mut tx, &grouped).await?;
    update_steps(&mut tx, &grouped.step_updates).await?;
    update_tasks(&mut tx, &grouped.task_updates).await?;
    update_resources(&mut tx, &grouped.resource_updates).await?;
    insert_audits(&mut tx, &grouped).await?;
    let events = insert_events(&mut tx, &grouped.events, retention, pruned_to).await?;
    tx.commit().await?;
    crate::metrics::committed(group.len(), started);
    Ok(events)
}

/// Numbers the events from `event_head` and inserts them, pruning the oldest past `retention`
/// in batches. The head's row stays locked until the commit, so transactions of every replica
/// take their numbers in commit order.
async fn insert_events(
    conn: &mut PgConnection,
    events: &[&EventRecord],
    retention: i64,
    pruned_to: &mut i64,
) -> StoreResult<Vec<Event>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = events.len() as i64;
    let newest: i64 =
        sqlx::query_scalar("UPDATE event_head SET seq = seq + $1 WHERE id = 0 RETURNING seq")
            .bind(n)
            .fetch_one(&mut *conn)
            .await?;
    let numbered: Vec<Event> = events
        .iter()
        .zip(newest - n + 1..)
        .map(|(e, seq)| Event {
            seq,
            project_id: e.project_id.clone(),
            task_id: e.task_id,
            kind: e.kind.to_string(),
            data: with_seq(seq, &e.data),
        })
        .collect();
    sqlx::query(
        "INSERT INTO events (seq, at, project_id, task_id, type, data) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], \
         $5::text[], $6::text[])",
    )
    .bind(numbered.iter().map(|e| e.seq).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.at).collect::<Vec<_>>())
    .bind(
        numbered
            .iter()
            .map(|e| e.project_id.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(numbered.iter().map(|e| e.task_id).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.kind).collect::<Vec<_>>())
    .bind(numbered.iter().map(|e| e.data.as_str()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    let cutoff = newest - retention;
    if cutoff >= *pruned_to + PRUNE_BATCH.min(retention) {
        sqlx::query("DELETE FROM events WHERE seq <= $1")
            .bind(cutoff)
            .execute(&mut *conn)
            .await?;
        *pruned_to = cutoff;
    }
    Ok(numbered)
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
