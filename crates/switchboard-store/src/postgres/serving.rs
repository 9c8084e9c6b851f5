//! One server per database, for as long as the engine decides claims and conflicts in its own
//! memory (two servers would each accept conflicting operations): a server holds a session
//! advisory lock while it serves. PostgreSQL drops the lock with the session — a `kill -9` of
//! the server, but also a restart of PostgreSQL or an ended session — so a watchdog takes it
//! again on a new session, and when another server took it meanwhile, fences this one: every
//! later commit fails instead of competing.

use crate::{StoreError, StoreResult};
use sqlx::postgres::PgConnection;
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// The advisory lock a server holds on its database while it serves it.
const SERVING_LOCK: i64 = 0x5357_4954_4348;
/// How often the watchdog checks that the lock's session is alive.
const WATCH_EVERY: Duration = Duration::from_millis(500);

pub(super) const TAKEN: &str = "another Switchboard server is serving this database; one server \
     per database until replicas can share one";
pub(super) const LOST: &str = "another Switchboard server took this database over while the \
     connection to it was lost; this server writes nothing more";

/// Held by the store: dropping it ends the watchdog and, with its session, the lock.
pub(super) struct Serving {
    pub fenced: Arc<AtomicBool>,
    _stop: oneshot::Sender<()>,
}

async fn try_lock(url: &str) -> StoreResult<Option<PgConnection>> {
    let mut conn = PgConnection::connect(url).await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(SERVING_LOCK)
        .fetch_one(&mut conn)
        .await?;
    Ok(locked.then_some(conn))
}

/// Takes the lock, or says another server holds it; then watches it.
pub(super) async fn take(url: &str) -> StoreResult<Serving> {
    let Some(conn) = try_lock(url).await? else {
        return Err(StoreError::InUse(TAKEN));
    };
    let fenced = Arc::new(AtomicBool::new(false));
    let (stop, stopped) = oneshot::channel();
    tokio::spawn(watch(url.to_string(), conn, fenced.clone(), stopped));
    Ok(Serving {
        fenced,
        _stop: stop,
    })
}

async fn watch(
    url: String,
    mut conn: PgConnection,
    fenced: Arc<AtomicBool>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = tokio::time::sleep(WATCH_EVERY) => {}
        }
        if conn.ping().await.is_ok() {
            continue;
        }
        tracing::warn!("the session holding the database's serving lock ended; taking it again");
        // Until PostgreSQL answers again (it may be restarting).
        let relocked = loop {
            match try_lock(&url).await {
                Ok(found) => break found,
                Err(err) => {
                    tracing::warn!(%err, "cannot reach PostgreSQL to take the serving lock");
                    tokio::select! {
                        _ = &mut stopped => return,
                        _ = tokio::time::sleep(WATCH_EVERY) => {}
                    }
                }
            }
        };
        match relocked {
            Some(new) => conn = new,
            None => {
                tracing::error!("{LOST}");
                fenced.store(true, Ordering::SeqCst);
                return;
            }
        }
    }
}
