//! A replica standing by until it can take the serving lease over: when the lease is free,
//! expired, or its holder's session is gone. It polls (the truth) and listens (a hint): the
//! lease changing hands is announced with `NOTIFY`, so a leader stopping hands over at once
//! rather than at the next poll, and the other standbys learn the new leader's address; unless
//! `Replica::listen` is off (behind PgBouncer in transaction mode): polling alone then.

use super::serving::{reconnect, Replica, STANDBY_POLL};
use crate::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPoolOptions};
use sqlx::Connection;
use tokio::time::Instant;

/// The channel the lease's changes of hands are announced on.
pub(super) const CHANNEL: &str = "switchboard_serving_lease";

/// Whether the holder's lease session is alive.
const HOLDER_ALIVE: &str = "EXISTS (SELECT 1 FROM pg_stat_activity a \
     WHERE a.pid = serving_lease.holder_pid AND a.backend_start = serving_lease.holder_started)";

/// Takes the lease when it is free, expired or (when `$4`) its holder's session is gone. The
/// token then.
fn take() -> String {
    format!(
        "UPDATE serving_lease SET token = token + 1, holder = $1, \
         holder_pid = pg_backend_pid(), holder_url = $3, \
         holder_started = (SELECT backend_start FROM pg_stat_activity \
                           WHERE pid = pg_backend_pid()), \
         expires_at = clock_timestamp() + make_interval(secs => $2) \
         WHERE id = 0 AND (holder IS NULL OR expires_at < clock_timestamp() \
                           OR ($4 AND NOT {HOLDER_ALIVE})) \
         RETURNING token"
    )
}

/// Stands by until this replica holds the lease: its session (which goes on renewing it), its
/// token, when the statement that took it was sent, and whether it stood by first.
pub(super) async fn wait_for_lease(
    url: &PgConnectOptions,
    replica: &Replica,
) -> StoreResult<(PgConnection, i64, Instant, bool)> {
    let secs = replica.lease.as_secs_f64();
    let mut conn = PgConnection::connect_with(url).await?;
    let mut wakeups = Wakeups::default();
    let mut standing_by = false;
    // A holder's session gone means the holder is, unless this replica's own session was cut
    // too: then PostgreSQL restarting (or the network) ended every session, the holder's
    // included, and it is about to renew on a new one. Only its lease's expiry counts then,
    // until its session is seen alive again.
    let mut trust_sessions = true;
    let (take, holder) = (
        take(),
        format!("SELECT holder, holder_url, {HOLDER_ALIVE} FROM serving_lease WHERE id = 0"),
    );
    loop {
        let sent = Instant::now();
        let taken = sqlx::query_scalar::<_, i64>(&take)
            .bind(&replica.name)
            .bind(secs)
            .bind(&replica.url)
            .bind(trust_sessions)
            .fetch_optional(&mut conn)
            .await;
        let leader = match taken {
            Ok(Some(token)) => {
                // The other standbys pass connections on to this replica from now on.
                let _ = sqlx::query("SELECT pg_notify($1, '')")
                    .bind(CHANNEL)
                    .execute(&mut conn)
                    .await;
                // No leader to pass on to any more: connections this replica passed on to the
                // old one are cut (it may be cut off rather than dead, and hold them).
                replica.leader.send_replace(None);
                return Ok((conn, token, sent, standing_by));
            }
            Ok(None) => {
                sqlx::query_as::<_, (Option<String>, Option<String>, bool)>(&holder)
                    .fetch_one(&mut conn)
                    .await
            }
            Err(err) => Err(err),
        };
        match leader {
            Ok((holder, leader_url, alive)) => {
                trust_sessions |= alive;
                if !standing_by {
                    tracing::info!(
                        leader = holder.as_deref().unwrap_or("?"),
                        "standing by: another replica serves this database"
                    );
                    standing_by = true;
                    crate::metrics::leading(None);
                    if replica.listen {
                        wakeups.listen(url).await;
                    }
                }
                let leader_url = Some(leader_url.unwrap_or_default());
                replica.leader.send_if_modified(|known| {
                    let changed = *known != leader_url;
                    *known = leader_url;
                    changed
                });
            }
            Err(err) => {
                tracing::warn!(%err, "cannot reach PostgreSQL to take the serving lease");
                tokio::time::sleep(STANDBY_POLL).await;
                conn = reconnect(url).await;
                trust_sessions = false;
            }
        }
        wakeups.wait(replica).await;
    }
}

/// The lease's announcements, when listening works (polling goes on either way).
#[derive(Default)]
struct Wakeups(Option<PgListener>);

impl Wakeups {
    async fn listen(&mut self, url: &PgConnectOptions) {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(url.clone());
        let listener = match PgListener::connect_with(&pool).await {
            Ok(mut listener) => listener.listen(CHANNEL).await.map(|()| listener),
            Err(err) => Err(err),
        };
        match listener {
            Ok(listener) => self.0 = Some(listener),
            Err(err) => tracing::warn!(%err, "not told of the lease's changes: polling only"),
        }
    }

    /// Until the next poll is due, or sooner if the lease changed hands.
    async fn wait(&mut self, replica: &Replica) {
        let due = Instant::now() + replica.poll;
        if let Some(listener) = &mut self.0 {
            let told = tokio::time::timeout(replica.poll, listener.try_recv()).await;
            if let Ok(Ok(Some(_))) = told {
                return;
            }
        }
        tokio::time::sleep_until(due).await;
    }
}
