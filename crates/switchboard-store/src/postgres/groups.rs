//! PostgreSQL's side of group commit: one transaction per group on the writer's own connection,
//! each kind of row written by one statement over arrays (`UNNEST`), and the group's events
//! numbered from `event_head`.

use crate::events::{number, EventHub};
use crate::grouped::Grouped;
use crate::writer::{GroupCommit, Submission};
use crate::{Event, EventRecord, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Rows over the retention that trigger a prune: pruning in batches keeps it cheap per commit.
const PRUNE_BATCH: i64 = 1024;
/// How long the writer keeps trying to reach PostgreSQL before a group fails.
const RECONNECT_FOR: Duration = Duration::from_secs(60);

pub(super) struct PgGroups {
    /// `None` after the connection was lost: the next group connects again.
    pub conn: Option<PgConnection>,
    pub url: PgConnectOptions,
    /// `synchronous_commit = off` on the writer's connection.
    pub relaxed: bool,
    /// The serving lease's fencing token: every group is written only while it holds.
    pub token: i64,
    /// Told when another replica took the lease over: nothing more is written.
    pub lose: watch::Sender<bool>,
    pub hub: EventHub,
    pub retention: i64,
    /// Everything at or below this has been pruned (or never existed).
    pub pruned_to: i64,
}

/// The writer's connection to `url`.
pub(super) async fn connect(url: &PgConnectOptions, relaxed: bool) -> StoreResult<PgConnection> {
    let mut conn = PgConnection::connect_with(url).await?;
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
        if *self.lose.borrow() {
            return Err(StoreError::InUse(super::serving::LOST));
        }
        let mut reconnecting = Reconnecting::default();
        loop {
            let attempt = match self.conn.take() {
                Some(conn) => Ok(conn),
                None => connect(&self.url, self.relaxed).await,
            };
            let result = match attempt {
                Ok(mut conn) => {
                    let result = self.apply_group(&mut conn, group).await;
                    if !result.as_ref().is_err_and(connection_lost) {
                        self.conn = Some(conn);
                    }
                    result
                }
                Err(err) => Err(err),
            };
            match result {
                Err(err) if reconnecting.worth_it(&err) => {
                    reconnecting.pause(&err, "a group").await
                }
                result => return result,
            }
        }
    }

    fn publish(&mut self, events: Vec<Event>) {
        self.hub.publish(events);
    }

    async fn close(self) {
        if let Some(conn) = self.conn {
            let _ = conn.close().await;
        }
    }
}

impl PgGroups {
    /// One transaction for the group's writes and events, durable on return.
    async fn apply_group(
        &mut self,
        conn: &mut PgConnection,
        group: &[Submission],
    ) -> StoreResult<Vec<Event>> {
        let started = Instant::now();
        let mut tx = conn.begin().await?;
        super::serving::check(&mut tx, self.token, &self.lose).await?;
        let grouped = Grouped::new(group.iter().flat_map(|s| s.writes.iter()));
        for w in &grouped.resource_changes {
            super::changes::apply(&mut tx, w).await?;
        }
        super::rows::write(&mut tx, &grouped).await?;
        let events = insert_events(
            &mut tx,
            &grouped.events,
            self.retention,
            &mut self.pruned_to,
        )
        .await?;
        tx.commit().await?;
        crate::metrics::committed(group.len(), started);
        Ok(events)
    }
}

/// Attempts on lost connections (PostgreSQL restarting, the session ended, the network down):
/// pauses growing from 50 ms to 2 s, for up to [`RECONNECT_FOR`].
pub(super) struct Reconnecting {
    since: Instant,
    pause: Duration,
}

impl Default for Reconnecting {
    fn default() -> Self {
        Reconnecting {
            since: Instant::now(),
            pause: Duration::from_millis(50),
        }
    }
}

impl Reconnecting {
    /// Whether `err` lost the connection and there is time left to try again.
    pub fn worth_it(&self, err: &StoreError) -> bool {
        connection_lost(err) && self.since.elapsed() < RECONNECT_FOR
    }

    /// Waits before the next attempt at `what`.
    pub async fn pause(&mut self, err: &StoreError, what: &str) {
        tracing::warn!(%err, "no connection to PostgreSQL for {what}; trying again");
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(Duration::from_secs(2));
    }
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
    let numbered = number(events, newest - n + 1);
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
