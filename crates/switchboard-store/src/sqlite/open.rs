//! Opening the SQLite store: WAL, a pool of readers, the group-committing writer and the
//! background checkpoints.

use super::SqliteStore;
use crate::events::EventLog;
use crate::{writer, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::ConnectOptions;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// How hard SQLite works to make a commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// fsync on every commit: an answered operation survives power loss as well as `kill -9`.
    #[default]
    Full,
    /// fsync at checkpoints only: survives `kill -9` of the server, not power loss.
    Normal,
}

/// How the store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    pub synchronous: Synchronous,
    /// Events kept for clients to resume from (the newest ones; at least 1).
    pub event_retention: u64,
    /// Events a subscriber may fall behind by before it must read them back from the table.
    pub event_buffer: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            synchronous: Synchronous::Full,
            event_retention: 100_000,
            event_buffer: 4096,
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/switchboard.db` and runs the embedded migrations.
    pub async fn open(dir: &Path, synchronous: Synchronous) -> StoreResult<Self> {
        let options = StoreOptions {
            synchronous,
            ..StoreOptions::default()
        };
        Self::open_with(dir, &options).await
    }

    /// [`SqliteStore::open`] with every option.
    pub async fn open_with(dir: &Path, store: &StoreOptions) -> StoreResult<Self> {
        let url = format!("sqlite://{}", dir.join("switchboard.db").display());
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match store.synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Checkpoints run in the background (below), never inside a commit someone waits on.
            .pragma("wal_autocheckpoint", "0")
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let log = EventLog::open(&pool, store.event_retention, store.event_buffer).await?;
        let events = log.hub.clone();
        let writer = writer::spawn(options.connect().await?, log);
        tokio::spawn(checkpoint_periodically(pool.clone()));
        Ok(SqliteStore {
            pool,
            writer,
            events,
        })
    }
}

/// Copies the WAL back into the database file every so often. PASSIVE never blocks the writer
/// or readers; it stops when the pool is closed.
async fn checkpoint_periodically(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(%err, "WAL checkpoint failed");
        }
    }
}
