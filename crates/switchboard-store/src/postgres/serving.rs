//! Replicas on one database: one leads, the others stand by. The leader holds the serving lease
//! (`serving_lease`, one row), renews it on a session of its own, and every write it makes is
//! conditional on the lease's fencing token, raised at each takeover. A standby takes the lease
//! over when it expired (the leader paused, partitioned) or at once when the leader's lease
//! session is gone (a `kill -9`): PostgreSQL ends the session with the process (see `standby`).
//! A leader that finds its token replaced writes nothing more and says so ([`Lease::lost`]);
//! it acts on real systems only while its lease surely holds ([`Lease::may_act`]).

use crate::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

/// How a replica names itself and how long its lease lasts unrenewed.
#[derive(Debug, Clone)]
pub struct Replica {
    /// Shown to the other replicas (in their logs) while this one leads.
    pub name: String,
    /// A paused leader is taken over this long after its last renewal.
    pub lease: Duration,
    /// How often a standby looks whether it can take over, unless told sooner (the leader
    /// stopping announces it).
    pub poll: Duration,
    /// Whether a standby also `LISTEN`s for the lease changing hands (off behind PgBouncer in
    /// transaction mode: polling alone then).
    pub listen: bool,
    /// What every replica must agree on; `None` is not checked.
    pub inventory: Option<String>,
    pub master_key: Option<String>,
    /// Where the other replicas reach this one while it leads (they pass connections on there).
    pub url: Option<String>,
    /// While this replica stands by: the leader's URL (empty if it gave none). `None` before,
    /// and once it leads.
    pub leader: Arc<watch::Sender<Option<String>>>,
}

impl Default for Replica {
    fn default() -> Self {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        Replica {
            name: format!("{host}:{}", std::process::id()),
            lease: Duration::from_secs(10),
            poll: STANDBY_POLL,
            listen: true,
            inventory: None,
            master_key: None,
            url: None,
            leader: Arc::new(watch::channel(None).0),
        }
    }
}

/// How often a standby looks whether the lease can be taken over, unless told sooner.
pub(super) const STANDBY_POLL: Duration = Duration::from_millis(200);

pub(super) const LOST: &str = "another Switchboard replica took the database's serving lease \
     over, or this writer's lease expired (this one was paused or cut off past its lease); this \
     replica writes nothing more";

/// Held by the store: dropping it ends the renewals (and, with its session, the lease).
pub(super) struct Lease {
    pub token: i64,
    /// Whether this replica stood by before it led.
    pub waited: bool,
    /// Becomes `true` once another replica holds the lease.
    pub lost: watch::Receiver<bool>,
    pub lose: watch::Sender<bool>,
    /// Until when the lease surely holds, on this process's clock: the last renewal's sending
    /// plus a lease (PostgreSQL counts its expiry from later, when it ran the renewal).
    held_until: watch::Receiver<Instant>,
    /// The leader's writer: this one's token on the leader; beside it, the serving lease's
    /// token as last seen.
    leader: Arc<AtomicI64>,
    /// Dropped (or sent on) to end the renewals.
    renewals: std::sync::Mutex<Option<oneshot::Sender<()>>>,
}

impl Lease {
    /// The lease of a writer beside the leader (`members`), renewed until `renewals` is
    /// dropped.
    pub fn member(
        token: i64,
        (lose, lost): (watch::Sender<bool>, watch::Receiver<bool>),
        (held_until, leader): (watch::Receiver<Instant>, Arc<AtomicI64>),
        renewals: oneshot::Sender<()>,
    ) -> Lease {
        Lease {
            token,
            waited: true,
            lost,
            lose,
            held_until,
            leader,
            renewals: std::sync::Mutex::new(Some(renewals)),
        }
    }

    /// Ends the renewals now, as dropping the lease would.
    pub fn end(&self) {
        let mut renewals = self.renewals.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(stop) = renewals.take() {
            let _ = stop.send(());
        }
    }

    /// Whether the lease surely holds now, on this process's clock: it was renewed less than a
    /// lease ago (counted from the renewal's sending) and not lost.
    pub fn surely_held(&self) -> bool {
        !*self.lost.borrow() && Instant::now() < *self.held_until.borrow()
    }

    /// The leader's writer, as last seen.
    pub fn leader(&self) -> i64 {
        self.leader.load(Ordering::Relaxed)
    }

    /// See `CommitStore::may_act`. A writer paused past its lease finds, as it resumes, that
    /// its lease may be another's (or its tasks another writer's), before it acts; renewals
    /// stuck on a slow database hold its actions up until one goes through (or the lease turns
    /// out lost).
    pub async fn may_act(&self) -> bool {
        let (mut held, mut lost) = (self.held_until.clone(), self.lost.clone());
        loop {
            if *lost.borrow_and_update() {
                return false;
            }
            if Instant::now() < *held.borrow_and_update() {
                return true;
            }
            tokio::select! {
                changed = held.changed() => if changed.is_err() { return false },
                changed = lost.changed() => if changed.is_err() { return false },
            }
        }
    }
}

/// Extends the lease of `token`'s holder, from this session (a new one after a reconnect).
const RENEW: &str =
    "UPDATE serving_lease SET expires_at = clock_timestamp() + make_interval(secs => $2), \
     holder_pid = pg_backend_pid(), \
     holder_started = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) \
     WHERE id = 0 AND token = $1 RETURNING token";

/// Waits until this replica holds the lease (a standby until then), then renews it.
pub(super) async fn acquire(url: &PgConnectOptions, replica: &Replica) -> StoreResult<Lease> {
    let (conn, token, taken_at, standing_by) = super::standby::wait_for_lease(url, replica).await?;
    if standing_by {
        tracing::info!(token, "took the serving lease over: this replica leads now");
    }
    crate::metrics::leading(Some(token));
    let (lose, lost) = watch::channel(false);
    let (stop, stopped) = oneshot::channel();
    let (held, held_until) = watch::channel(taken_at + replica.lease);
    let renewal = Renewal {
        url: url.clone(),
        token,
        lease: replica.lease,
        every: (replica.lease / 3).min(Duration::from_secs(1)),
        lose: lose.clone(),
        held,
    };
    tokio::spawn(renewal.run(conn, stopped));
    Ok(Lease {
        token,
        waited: standing_by,
        lost,
        lose,
        held_until,
        leader: Arc::new(AtomicI64::new(token)),
        renewals: std::sync::Mutex::new(Some(stop)),
    })
}

/// A connection, once PostgreSQL answers again.
pub(super) async fn reconnect(url: &PgConnectOptions) -> PgConnection {
    loop {
        match PgConnection::connect_with(url).await {
            Ok(conn) => return conn,
            Err(err) => {
                tracing::warn!(%err, "cannot reach PostgreSQL");
                tokio::time::sleep(STANDBY_POLL).await;
            }
        }
    }
}

struct Renewal {
    url: PgConnectOptions,
    token: i64,
    lease: Duration,
    every: Duration,
    lose: watch::Sender<bool>,
    held: watch::Sender<Instant>,
}

impl Renewal {
    async fn run(self, mut conn: PgConnection, mut stopped: oneshot::Receiver<()>) {
        loop {
            tokio::select! {
                _ = &mut stopped => return self.release(conn).await,
                _ = tokio::time::sleep(self.every) => {}
            }
            let sent = Instant::now();
            let renewed = sqlx::query_scalar::<_, i64>(RENEW)
                .bind(self.token)
                .bind(self.lease.as_secs_f64())
                .fetch_optional(&mut conn)
                .await;
            match renewed {
                Ok(Some(_)) => {
                    let _ = self.held.send(sent + self.lease);
                    super::members::remove_expired(&mut conn).await;
                }
                Ok(None) => {
                    lost(&self.lose);
                    return;
                }
                Err(err) => {
                    tracing::warn!(%err, "the serving lease's session ended; renewing it on a new one");
                    let reconnecting = reconnect(&self.url);
                    conn = tokio::select! {
                        _ = &mut stopped => return,
                        conn = reconnecting => conn,
                    };
                }
            }
        }
    }

    /// A leader stopping hands the lease on at once, and tells the standbys.
    async fn release(self, mut conn: PgConnection) {
        let _ = sqlx::query(&format!(
            "WITH released AS (UPDATE serving_lease SET holder = NULL, \
             expires_at = '-infinity' WHERE id = 0 AND token = $1 RETURNING token) \
             SELECT pg_notify('{}', '') FROM released",
            super::standby::CHANNEL
        ))
        .bind(self.token)
        .execute(&mut conn)
        .await;
        let _ = conn.close().await;
    }
}

/// Inside a transaction: whether `token` still holds the lease (`switchboard_fence`, migration
/// 0005, which every group commit runs too). The row stays share-locked until the commit, so no
/// takeover can slip in between the check and the writes.
pub(super) async fn check(
    conn: &mut PgConnection,
    token: i64,
    lose: &watch::Sender<bool>,
) -> StoreResult<()> {
    let fenced = sqlx::query("SELECT switchboard_fence($1)")
        .bind(token)
        .execute(&mut *conn)
        .await;
    match fenced.map_err(StoreError::from) {
        Err(err) if fenced_out(&err) => Err(lost(lose)),
        other => other.map(drop),
    }
}

/// Whether `err` is `switchboard_fence`'s: another replica took the lease over.
pub(super) fn fenced_out(err: &StoreError) -> bool {
    super::error_code(err).as_deref() == Some("SB001")
}

/// Another replica holds the lease now: says so once, and tells the store to stop writing.
pub(super) fn lost(lose: &watch::Sender<bool>) -> StoreError {
    if !*lose.borrow() {
        tracing::error!("{LOST}");
        crate::metrics::leading(None);
    }
    let _ = lose.send(true);
    StoreError::InUse(LOST)
}
