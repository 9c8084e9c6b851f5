//! Writers beside the leader (`PgStore::open_member`). Each holds a lease of its own on its row
//! in `writers`, renews it every third of the lease (at most every second) from a session of
//! its own, and removes the row when its store is dropped. The leader removes the rows whose
//! lease expired (a writer paused, cut off, or gone without a word): that writer is fenced off,
//! and its next write or renewal tells it so.

use super::serving::{lost, reconnect, Lease, Replica};
use crate::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

/// Joins as a writer with a new token and a lease, renewed until the lease is dropped.
pub(super) async fn join(url: &PgConnectOptions, replica: &Replica) -> StoreResult<Lease> {
    let mut conn = PgConnection::connect_with(url).await?;
    let sent = Instant::now();
    let (token, leader): (i64, Option<i64>) = sqlx::query_as(
        "INSERT INTO writers (token, name, expires_at) VALUES (nextval('writer_tokens'), $1, \
         clock_timestamp() + make_interval(secs => $2)) \
         RETURNING token, (SELECT token FROM serving_lease WHERE id = 0)",
    )
    .bind(&replica.name)
    .bind(replica.lease.as_secs_f64())
    .fetch_one(&mut conn)
    .await?;
    tracing::info!(token, "writing beside the leader");
    let (lose, lost) = watch::channel(false);
    let (held, held_until) = watch::channel(sent + replica.lease);
    let (stop, stopped) = oneshot::channel();
    let leader = Arc::new(AtomicI64::new(leader.unwrap_or(0)));
    let renewal = Renewal {
        url: url.clone(),
        token,
        lease: replica.lease,
        lose: lose.clone(),
        held,
        leader: leader.clone(),
    };
    tokio::spawn(renewal.run(conn, stopped));
    Ok(Lease::member(
        token,
        (lose, lost),
        (held_until, leader),
        stop,
    ))
}

struct Renewal {
    url: PgConnectOptions,
    token: i64,
    lease: Duration,
    lose: watch::Sender<bool>,
    /// Until when the lease surely holds: the last renewal's sending plus a lease.
    held: watch::Sender<Instant>,
    /// The serving lease's token, as each renewal reads it.
    leader: Arc<AtomicI64>,
}

impl Renewal {
    async fn run(self, mut conn: PgConnection, mut stopped: oneshot::Receiver<()>) {
        let every = (self.lease / 3).min(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = &mut stopped => return self.leave(conn).await,
                _ = tokio::time::sleep(every) => {}
            }
            let sent = Instant::now();
            let renewed = sqlx::query_scalar::<_, Option<i64>>(
                "UPDATE writers SET expires_at = clock_timestamp() + make_interval(secs => $2) \
                 WHERE token = $1 RETURNING (SELECT token FROM serving_lease WHERE id = 0)",
            )
            .bind(self.token)
            .bind(self.lease.as_secs_f64())
            .fetch_optional(&mut conn)
            .await;
            match renewed {
                Ok(Some(leader)) => {
                    self.held.send_replace(sent + self.lease);
                    if let Some(leader) = leader {
                        self.leader.store(leader, Ordering::Relaxed);
                    }
                }
                Ok(None) => {
                    lost(&self.lose);
                    return;
                }
                Err(err) => {
                    tracing::warn!(%err, "the writer's lease session ended; renewing it on a new one");
                    conn = tokio::select! {
                        _ = &mut stopped => return,
                        conn = reconnect(&self.url) => conn,
                    };
                }
            }
        }
    }

    /// A writer stopping leaves: its row goes (once its writes in flight have committed), and
    /// it writes nothing more.
    async fn leave(self, mut conn: PgConnection) {
        let _ = sqlx::query("DELETE FROM writers WHERE token = $1")
            .bind(self.token)
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        self.lose.send_replace(true);
    }
}

/// Run by the leader with each renewal of its lease: removes the writers whose lease expired,
/// but those with a write in flight (their row locked), which are tried again next time.
pub(super) async fn remove_expired(conn: &mut PgConnection) {
    let removed = sqlx::query_as::<_, (i64, Option<String>)>(
        "DELETE FROM writers WHERE token IN (SELECT token FROM writers \
         WHERE expires_at < clock_timestamp() FOR UPDATE SKIP LOCKED) RETURNING token, name",
    )
    .fetch_all(conn)
    .await;
    match removed {
        Ok(removed) => {
            for (token, name) in removed {
                tracing::warn!(
                    token,
                    name = name.as_deref().unwrap_or("?"),
                    "fenced off a writer whose lease expired"
                );
            }
        }
        Err(err) => tracing::warn!(%err, "cannot look for writers whose lease expired"),
    }
}
