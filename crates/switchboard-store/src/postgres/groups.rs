//! PostgreSQL's side of group commit: one statement per group on the writer's own connection
//! (see `rows`), numbered and claimed so that it commits once however often it is tried, with
//! its events numbered on from the newest this leader knows.

use super::rows::{self, Claim};
use crate::events::{number, EventHub};
use crate::grouped::Grouped;
use crate::writer::{GroupCommit, Submission};
use crate::{Event, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Rows over the retention that trigger a prune: pruning in batches keeps it cheap per commit.
const PRUNE_BATCH: i64 = 1024;
/// How long the writer keeps trying to reach PostgreSQL before a group fails.
const RECONNECT_FOR: Duration = Duration::from_secs(60);
/// Raised by `switchboard_commit_group` (migration 0005).
const ALREADY_COMMITTED: &str = "SB002";

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
    /// The newest event number: only the lease's holder writes events.
    pub head: i64,
    /// The last group this leader committed (numbered from 1 under its token).
    pub committed: i64,
}

/// The writer's connection to `url`.
pub(super) async fn connect(url: &PgConnectOptions, relaxed: bool) -> StoreResult<PgConnection> {
    // A group's updates join a few hundred keys to their tables: by key lookups, always. The
    // planner picked hash joins scanning the whole table while tables were small, which cost
    // more with every row they grew by.
    let url = url
        .clone()
        .options([("enable_hashjoin", "off"), ("enable_mergejoin", "off")]);
    let mut conn = PgConnection::connect_with(&url).await?;
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
    super::error_code(err).is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
        || matches!(
            err,
            StoreError::Database(sqlx::Error::Io(_) | sqlx::Error::Protocol(_))
        )
}

#[async_trait::async_trait]
impl GroupCommit for PgGroups {
    /// On a lost connection (PostgreSQL restarting, the session ended, the network down) the
    /// group is tried again on a new one, with growing pauses, for up to [`RECONNECT_FOR`]:
    /// nothing can commit meanwhile anyway, and giving up would drop the background writes
    /// that finish tasks. A connection lost during the commit leaves it unknown whether the
    /// group committed: the group's claim tells, so it is neither doubled nor reported failed.
    async fn apply(&mut self, group: &[Submission]) -> StoreResult<Vec<Event>> {
        if *self.lose.borrow() {
            return Err(StoreError::InUse(super::serving::LOST));
        }
        let grouped = Grouped::new(group.iter().flat_map(|s| s.writes.iter()));
        let events = number(&grouped.events, self.head + 1);
        let claim = Claim {
            token: self.token,
            group_no: self.committed + 1,
            head: self.head,
            prune: self.prune(events.len() as i64),
        };
        let started = Instant::now();
        let mut reconnecting = Reconnecting::default();
        let mut tried = false;
        loop {
            let mut conn = match self.conn.take() {
                Some(conn) => conn,
                None => match connect(&self.url, self.relaxed).await {
                    Ok(conn) => conn,
                    Err(err) if reconnecting.worth_it(&err) => {
                        reconnecting.pause(&err, "a group").await;
                        continue;
                    }
                    Err(err) => return Err(err),
                },
            };
            let result = apply_group(&mut conn, &grouped, &events, &claim).await;
            let lost = result.as_ref().is_err_and(connection_lost);
            if !lost {
                self.conn = Some(conn);
            }
            match result {
                Ok(()) => break,
                Err(err) if lost && reconnecting.worth_it(&err) => {
                    tried = true;
                    reconnecting.pause(&err, "a group").await
                }
                Err(err) if super::serving::fenced_out(&err) => {
                    return Err(super::serving::lost(&self.lose))
                }
                Err(err) => {
                    // An earlier try lost its connection while committing, or this one found
                    // the group's number taken: whether it committed is in `writer_commits`
                    // (its resources' claims then refuse it too).
                    let maybe =
                        tried || super::error_code(&err).as_deref() == Some(ALREADY_COMMITTED);
                    if !(maybe && self.was_committed(&claim).await?) {
                        return Err(super::claims::refused(&err).unwrap_or(err));
                    }
                    break;
                }
            }
        }
        self.committed = claim.group_no;
        self.head += events.len() as i64;
        if let Some((_, to)) = claim.prune {
            self.pruned_to = to;
        }
        crate::metrics::committed(group.len(), started);
        Ok(events)
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
    /// What to prune with a group of `new` events, once a batch is over the retention.
    fn prune(&self, new: i64) -> Option<(i64, i64)> {
        let cutoff = self.head + new - self.retention;
        (cutoff >= self.pruned_to + PRUNE_BATCH.min(self.retention))
            .then_some((self.pruned_to, cutoff))
    }

    /// Whether `claim`'s group is committed (read once no try of it can still be running).
    async fn was_committed(&mut self, claim: &Claim) -> StoreResult<bool> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(connect(&self.url, self.relaxed).await?),
        };
        // FOR SHARE waits out a try still committing on a session PostgreSQL has not yet ended.
        let (token, group_no): (i64, i64) =
            sqlx::query_as("SELECT token, group_no FROM writer_commits WHERE id = 0 FOR SHARE")
                .fetch_one(&mut *conn)
                .await?;
        Ok((token, group_no) == (claim.token, claim.group_no))
    }
}

/// One try at the group: one statement, or, with rare changes that are applied one by one
/// (resources created, edited, deleted…), a transaction of them and the statement.
async fn apply_group(
    conn: &mut PgConnection,
    grouped: &Grouped<'_>,
    events: &[Event],
    claim: &Claim,
) -> StoreResult<()> {
    let mut statement = rows::statement(grouped, events, claim)?;
    if grouped.resource_changes.is_empty() {
        statement.build().execute(&mut *conn).await?;
        return Ok(());
    }
    let mut tx = conn.begin().await?;
    for w in &grouped.resource_changes {
        super::changes::apply(&mut tx, w).await?;
    }
    statement.build().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
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
