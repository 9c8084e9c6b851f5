//! Opening the SQLite store: WAL, a pool of readers, the group-committing writer and the
//! background checkpoints.

use super::SqliteStore;
use crate::events::EventLog;
use crate::{writer, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::ConnectOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for a lock before its statement fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// The writer's page cache: every commit updates the last pages of the task, step, event and
/// audit tables and their indexes, and the resources' rows; SQLite's default (2 MiB) let them
/// fall out and be read back from the file under load.
const WRITER_CACHE_KIB: u32 = 16 * 1024;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;
/// A WAL larger than this is truncated by the next checkpoint, and a WAL that restarts from its
/// beginning is cut back to it (`journal_size_limit`), so the WAL stays near this size.
pub const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

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
            .busy_timeout(BUSY_TIMEOUT)
            // Checkpoints run in the background (below), never inside a commit someone waits on.
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", WAL_LIMIT_BYTES.to_string())
            // The writer alone keeps 10 chunk sizes × 7 tables of group-commit statements;
            // sqlx's default of 100 would evict (and re-prepare) them under load.
            .statement_cache_capacity(STATEMENT_CACHE)
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection to a file in this process does not go stale: the ping sqlx sends
            // before each acquire is one more round trip to its worker thread for every read.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let log = EventLog::open(&pool, store.event_retention, store.event_buffer).await?;
        let events = log.hub.clone();
        let writer_options = options
            .clone()
            .pragma("cache_size", format!("-{}", WRITER_CACHE_KIB));
        let groups = super::groups::SqliteGroups {
            conn: writer_options.connect().await?,
            log,
            checkpointed: std::time::Instant::now(),
        };
        let writer = writer::spawn(groups).map_err(sqlx::Error::Io)?;
        tokio::spawn(checkpoint_periodically(
            pool.clone(),
            dir.join("switchboard.db-wal"),
        ));
        let metadata = super::metadata::Cache::load(&pool).await?;
        Ok(SqliteStore {
            pool,
            writer,
            events,
            metadata,
        })
    }
}

/// Copies the WAL back into the database file every so often. PASSIVE never blocks the writer
/// or readers, but under steady load it never reaches the WAL's end, so the WAL would only grow:
/// once it passes [`WAL_LIMIT_BYTES`], a TRUNCATE checkpoint follows the PASSIVE one. It has
/// little left to copy by then, so it holds the write lock (and the group commit waits) only
/// briefly. Stops when the pool is closed.
async fn checkpoint_periodically(pool: SqlitePool, wal: PathBuf) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(err) = checkpoint(&pool, "PASSIVE").await {
            tracing::warn!(%err, "WAL checkpoint failed");
            continue;
        }
        let size = tokio::fs::metadata(&wal).await.map_or(0, |m| m.len());
        if size > WAL_LIMIT_BYTES {
            let started = std::time::Instant::now();
            match checkpoint(&pool, "TRUNCATE").await {
                Ok(()) => tracing::debug!(size, took = ?started.elapsed(), "WAL truncated"),
                Err(err) => tracing::warn!(%err, size, "WAL truncation failed"),
            }
        }
    }
}

/// A TRUNCATE checkpoint blocks writers while it waits for readers: it waits at most this long
/// (then gives up until the next tick) instead of the pool's busy timeout.
const TRUNCATE_WAIT_MS: u32 = 100;

async fn checkpoint(pool: &SqlitePool, mode: &str) -> Result<(), sqlx::Error> {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    if mode == "PASSIVE" {
        sqlx::query(&sql).execute(pool).await?;
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    sqlx::query(&format!("PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}"))
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query(&sql).execute(&mut *conn).await;
    let restore = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
    let restored = sqlx::query(&restore).execute(&mut *conn).await;
    done?;
    restored?;
    Ok(())
}
