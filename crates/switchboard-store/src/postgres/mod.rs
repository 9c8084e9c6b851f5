//! The PostgreSQL store, for several replicas on one database. It is built seam by seam against
//! the same contract tests as SQLite. One server per database until the engine decides in it.

mod admin;
mod changes;
mod groups;
mod identity;
mod inventory;
mod reads;
mod rows;
mod serving;
mod snapshot;
mod tasks;

use crate::events::EventHub;
use crate::writer::{self, WriterHandle};
use crate::{
    CommitStore, Event, EventFilter, EventStore, OnDurable, Priority, StoreOptions, StoreResult,
    Synchronous, Write,
};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A value stored as JSON text.
fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
}

/// Connections each replica keeps to the database for reads, besides the writer's own.
const POOL_SIZE: u32 = 8;

pub struct PgStore {
    pool: PgPool,
    writer: WriterHandle,
    events: EventHub,
    /// This server's hold on the database (see `serving`).
    _serving: serving::Serving,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and brings its schema up to date. Replicas starting
    /// together do not race: the migrator holds PostgreSQL's advisory lock while it runs.
    pub async fn open(url: &str) -> StoreResult<PgStore> {
        Self::open_with(url, &StoreOptions::default()).await
    }

    /// [`PgStore::open`] with every option; `Synchronous::Normal` commits without waiting for
    /// the WAL flush (`synchronous_commit = off`).
    pub async fn open_with(url: &str, options: &StoreOptions) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        let serving = serving::take(url).await?;
        let head: i64 = sqlx::query_scalar("SELECT seq FROM event_head WHERE id = 0")
            .fetch_one(&pool)
            .await?;
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM events")
            .fetch_one(&pool)
            .await?;
        let events = EventHub {
            sender: broadcast::channel(options.event_buffer.max(1)).0,
            published: Arc::new(AtomicI64::new(head)),
        };
        let relaxed = options.synchronous == Synchronous::Normal;
        let groups = groups::PgGroups {
            conn: Some(groups::connect(url, relaxed).await?),
            url: url.to_string(),
            relaxed,
            fenced: serving.fenced.clone(),
            hub: events.clone(),
            retention: options.event_retention.clamp(1, i64::MAX as u64) as i64,
            pruned_to: oldest.map_or(head, |o| o - 1),
        };
        let writer = writer::spawn(groups).map_err(sqlx::Error::Io)?;
        Ok(PgStore {
            pool,
            writer,
            events,
            _serving: serving,
        })
    }
}

#[async_trait::async_trait]
impl CommitStore for PgStore {
    async fn commit(&self, writes: Vec<Write>, priority: Priority) -> StoreResult<()> {
        self.writer.commit(writes, priority, None).await
    }

    async fn commit_then(
        &self,
        writes: Vec<Write>,
        priority: Priority,
        on_durable: OnDurable,
    ) -> StoreResult<()> {
        self.writer.commit(writes, priority, Some(on_durable)).await
    }

    fn enqueue(&self, writes: Vec<Write>) {
        self.writer.enqueue(writes);
    }
}

#[async_trait::async_trait]
impl EventStore for PgStore {
    fn subscribe_events(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.sender.subscribe()
    }

    fn last_event_seq(&self) -> i64 {
        self.events.published.load(Ordering::SeqCst)
    }

    async fn events_after(
        &self,
        filter: &EventFilter,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        reads::events_after(&self.pool, filter, after, limit).await
    }

    async fn oldest_event_seq(&self) -> StoreResult<Option<i64>> {
        reads::oldest_event_seq(&self.pool).await
    }
}
