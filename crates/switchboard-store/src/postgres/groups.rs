//! PostgreSQL's side of group commit: one statement per group on the writer's own connection
//! (see `rows`), numbered and claimed so that it commits once however often it is tried; the
//! database numbers its events, in commit order across every writer.

use super::rows::{self, Claim};
use crate::events::{number, EventHub};
use crate::grouped::Grouped;
use crate::writer::{GroupCommit, Submission};
use crate::{Event, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Rows over the retention that trigger a prune: pruning in batches keeps it cheap per commit.
const PRUNE_BATCH: i64 = 1024;
/// How long the writer keeps trying to reach PostgreSQL before a group fails.
const RECONNECT_FOR: Duration = Duration::from_secs(60);
/// Raised by `switchboard_write_group` (migration 0007).
const ALREADY_COMMITTED: &str = "SB002";

pub(super) struct PgGroups {
    /// `None` after the connection was lost: the next group connects again.
    pub conn: Option<PgConnection>,
    pub url: PgConnectOptions,
    /// `synchronous_commit = off` on the writer's connection.
    pub relaxed: bool,
    /// This writer's fencing token (the serving lease's): every group is written only while
    /// its row in `writers` is there.
    pub token: i64,
    /// Told when another replica took the lease over: nothing more is written.
    pub lose: watch::Sender<bool>,
    pub hub: EventHub,
    pub retention: i64,
    /// Everything at or below this has been pruned (or never existed).
    pub pruned_to: i64,
    /// The last group this writer committed (numbered from 1 under its token).
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
        let claim = Claim {
            token: self.token,
            group_no: self.committed + 1,
            prune: self.prune(grouped.events.len() as i64),
        };
        let started = Instant::now();
        let mut reconnecting = Reconnecting::default();
        let mut tried = false;
        let first = loop {
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
            let result = apply_group(&mut conn, &grouped, &claim).await;
            let lost = result.as_ref().is_err_and(connection_lost);
            if !lost {
                self.conn = Some(conn);
            }
            match result {
                Ok(first) => break first,
                Err(err) if lost && reconnecting.worth_it(&err) => {
                    tried = true;
                    reconnecting.pause(&err, "a group").await
                }
                Err(err) if super::serving::fenced_out(&err) => {
                    return Err(super::serving::lost(&self.lose))
                }
                Err(err) => {
                    // An earlier try lost its connection while committing, or this one found
                    // the group's number taken: whether it committed is in `writers` (its
                    // resources' claims then refuse it too).
                    let maybe =
                        tried || super::error_code(&err).as_deref() == Some(ALREADY_COMMITTED);
                    let committed = if maybe {
                        self.committed_events(&claim).await?
                    } else {
                        None
                    };
                    match committed {
                        Some(first) => break first,
                        None => return Err(super::claims::refused(&err).unwrap_or(err)),
                    }
                }
            }
        };
        let events = match first {
            Some(first) => {
                let mut events = self.others_before(first).await;
                events.extend(number(&grouped.events, first, self.token));
                events
            }
            None => Vec::new(),
        };
        self.committed = claim.group_no;
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
    /// The other writers' events committed before this writer's group starting at `first` and
    /// not yet published, to publish ahead of the group's (`feed` publishes the rest). Read on
    /// the writer's connection, or a new one if that fails; should that fail too, the group's
    /// events go out without them, and live subscribers miss them (a client resuming with
    /// `Last-Event-ID` reads them back).
    async fn others_before(&mut self, first: i64) -> Vec<Event> {
        let mut events = Vec::new();
        let mut after = self.hub.published.load(std::sync::atomic::Ordering::SeqCst);
        let mut failed = false;
        while after + 1 < first {
            let conn = match self.conn.as_mut() {
                Some(conn) => conn,
                None => match connect(&self.url, self.relaxed).await {
                    Ok(conn) => self.conn.insert(conn),
                    Err(err) => {
                        tracing::warn!(%err, "the other replicas' events before a group are not published");
                        break;
                    }
                },
            };
            match super::reads::events_between(&mut *conn, after, first, super::feed::PAGE).await {
                Ok(page) if !page.is_empty() => {
                    after = page.last().map_or(after, |e| e.seq);
                    events.extend(page);
                }
                Ok(_) => break,
                Err(err) if !failed => {
                    tracing::warn!(%err, "cannot read the other replicas' events; trying a new connection");
                    failed = true;
                    self.conn = None;
                }
                Err(err) => {
                    tracing::warn!(%err, "the other replicas' events before a group are not published");
                    break;
                }
            }
        }
        events
    }

    /// What to prune with a group of `new` events, once a batch is over the retention.
    fn prune(&self, new: i64) -> Option<(i64, i64)> {
        // The newest event published: pruning counts from it.
        let head = self.hub.published.load(std::sync::atomic::Ordering::SeqCst);
        let cutoff = head + new - self.retention;
        (cutoff >= self.pruned_to + PRUNE_BATCH.min(self.retention))
            .then_some((self.pruned_to, cutoff))
    }

    /// Whether `claim`'s group is committed, and then where its events were numbered from
    /// (read once no try of it can still be running): `None` when it is not.
    async fn committed_events(&mut self, claim: &Claim) -> StoreResult<Option<Option<i64>>> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(connect(&self.url, self.relaxed).await?),
        };
        // FOR SHARE waits out a try still committing on a session PostgreSQL has not yet ended.
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT group_no, first_event FROM writers WHERE token = $1 FOR SHARE")
                .bind(claim.token)
                .fetch_optional(&mut *conn)
                .await?;
        match row {
            Some((group_no, first)) => Ok((group_no == claim.group_no).then_some(first)),
            None => Err(super::serving::lost(&self.lose)),
        }
    }
}

/// One try at the group: one statement, or, with rare changes that are applied one by one
/// (resources created, edited, deleted…), a transaction of them and the statement.
/// The group's first event number, when it has events.
async fn apply_group(
    conn: &mut PgConnection,
    grouped: &Grouped<'_>,
    claim: &Claim,
) -> StoreResult<Option<i64>> {
    let mut statement = rows::statement(grouped, claim)?;
    if grouped.resource_changes.is_empty() {
        let first = statement.build().fetch_one(&mut *conn).await?;
        return Ok(first.try_get(0)?);
    }
    let mut tx = conn.begin().await?;
    for w in &grouped.resource_changes {
        super::changes::apply(&mut tx, w).await?;
    }
    let first = statement.build().fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(first.try_get(0)?)
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
