//! The PostgreSQL store, for several replicas on one database. It is built seam by seam against
//! the same contract tests as SQLite. One server per database until the engine decides in it.

mod admin;
mod changes;
mod claims;
mod cluster;
mod executors;
mod feed;
mod groups;
mod identity;
mod inventory;
mod members;
mod reads;
mod rows;
mod serving;
mod shared;
mod sim_journal;
mod sim_reads;
mod snapshot;
mod standby;
mod tasks;
mod unnest;

pub use serving::Replica;
pub use sim_journal::PgSimJournal;

use crate::events::EventHub;
use crate::writer::{self, WriterHandle};
use crate::{
    CommitStore, Event, EventFilter, EventStore, OnDurable, Priority, StoreOptions, StoreResult,
    Synchronous, Write,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::broadcast;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A value stored as JSON text.
fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
}

/// Every connection of a replica. A replica paused inside a transaction (SIGSTOP) would hold
/// its row locks, the serving lease's among them, for as long as it stays paused: PostgreSQL
/// ends such a session after half a lease, so the standbys can take over.
fn connect_options(url: &str, replica: &Replica) -> StoreResult<PgConnectOptions> {
    let idle = (replica.lease / 2).max(std::time::Duration::from_millis(500));
    let options: PgConnectOptions = url.parse()?;
    Ok(options.options([
        (
            "idle_in_transaction_session_timeout",
            format!("{}ms", idle.as_millis()),
        ),
        // A generic plan made while a table was nearly empty (a new database) goes on scanning
        // it whole as it grows; each statement is planned for its arrays and today's tables.
        ("plan_cache_mode", "force_custom_plan".to_string()),
    ]))
}

/// The SQLSTATE of a database error.
fn error_code(err: &crate::StoreError) -> Option<String> {
    match err {
        crate::StoreError::Database(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// Connections each replica keeps to the database for reads, besides the writer's own.
const POOL_SIZE: u32 = 8;

pub struct PgStore {
    pool: PgPool,
    writer: WriterHandle,
    events: EventHub,
    /// This replica's lease on the database (see `serving`).
    lease: serving::Lease,
    /// The fingerprint of the inventory this replica runs with, when it was given one.
    inventory: Option<String>,
    /// Its following of the changes to what replicas keep in memory (see `shared`).
    shared: Arc<shared::Following>,
    /// How long an announced change waits for the other replicas: a lease.
    announce_within: std::time::Duration,
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
        Self::open_replica(url, options, &Replica::default()).await
    }

    /// [`PgStore::open_with`] as the named replica: it stands by while another one holds the
    /// serving lease, and returns once it leads.
    pub async fn open_replica(
        url: &str,
        options: &StoreOptions,
        replica: &Replica,
    ) -> StoreResult<PgStore> {
        let (url, pool) = Self::join(url, replica).await?;
        let lease = serving::acquire(&url, replica).await?;
        cluster::settle(&pool, replica, lease.waited).await?;
        Self::writing(url, pool, options, replica, lease).await
    }

    /// A writer beside the leader, as the named replica, with a token of its own: it writes
    /// (accepts, say) while the leader serves on, and is fenced by its row in `writers`, whose
    /// lease it renews (the leader removes the row once that has expired; the store removes it
    /// when dropped). It never acts on real systems ([`CommitStore::may_act`]).
    pub async fn open_member(
        url: &str,
        options: &StoreOptions,
        replica: &Replica,
    ) -> StoreResult<PgStore> {
        let (url, pool) = Self::join(url, replica).await?;
        cluster::settle(&pool, replica, true).await?;
        let lease = members::join(&url, replica).await?;
        Self::writing(url, pool, options, replica, lease).await
    }

    /// Connects as `replica`, brings the schema up to date and checks that the replica agrees
    /// with the database. Replicas starting together do not race: the migrator holds
    /// PostgreSQL's advisory lock while it runs.
    async fn join(url: &str, replica: &Replica) -> StoreResult<(PgConnectOptions, PgPool)> {
        let url = connect_options(url, replica)?;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(url.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        cluster::check_joining(&pool, replica).await?;
        Ok((url, pool))
    }

    /// The store writing under `lease`'s token.
    async fn writing(
        url: PgConnectOptions,
        pool: PgPool,
        options: &StoreOptions,
        replica: &Replica,
        lease: serving::Lease,
    ) -> StoreResult<PgStore> {
        let head: i64 = sqlx::query_scalar("SELECT seq FROM event_head WHERE id = 0")
            .fetch_one(&pool)
            .await?;
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM events")
            .fetch_one(&pool)
            .await?;
        let events = EventHub::new(options.event_buffer, head);
        let shared = Arc::new(shared::Following::default());
        feed::spawn(
            pool.clone(),
            events.clone(),
            (lease.token, shared.clone()),
            lease.lost.clone(),
        );
        let relaxed = options.synchronous == Synchronous::Normal;
        let groups = groups::PgGroups {
            conn: Some(groups::connect(&url, relaxed).await?),
            url,
            relaxed,
            token: lease.token,
            lose: lease.lose.clone(),
            hub: events.clone(),
            retention: options.event_retention.clamp(1, i64::MAX as u64) as i64,
            pruned_to: oldest.map_or(head, |o| o - 1),
            committed: 0,
        };
        let writer = writer::spawn(groups).map_err(sqlx::Error::Io)?;
        Ok(PgStore {
            pool,
            writer,
            events,
            lease,
            inventory: replica.inventory.clone(),
            shared,
            announce_within: replica.lease,
        })
    }

    /// The pool the store reads with (for the simulated world's journal).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The simulated world's journal in this database, written under this replica's lease,
    /// and what it holds now. Open it once.
    pub async fn sim_journal(
        &self,
    ) -> StoreResult<(PgSimJournal, switchboard_core::sim_journal::JournalContents)> {
        sim_journal::open(&self.pool, self.lease.token, self.lease.lose.clone()).await
    }

    /// The fencing token this replica writes under.
    pub fn token(&self) -> i64 {
        self.lease.token
    }

    /// A writer beside the leader leaves now, as it does when dropped: its row goes once its
    /// writes in flight have committed, and it writes nothing more. (The leader's lease ends
    /// with its session.)
    pub fn leave(&self) {
        self.lease.end();
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

    fn lease_lost(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        Some(self.lease.lost.clone())
    }

    async fn may_act(&self) -> bool {
        self.lease.may_act().await
    }

    fn lease_surely_held(&self) -> bool {
        self.lease.surely_held()
    }

    async fn announce_shared(&self, controls: Option<bool>, reload: bool) -> StoreResult<()> {
        let (pool, token) = (&self.pool, self.lease.token);
        shared::announce(pool, token, (controls, reload), self.announce_within).await
    }

    fn on_shared(&self, apply: crate::SharedApply) {
        self.shared.set(apply);
    }

    fn leader(&self) -> Option<i64> {
        Some(self.lease.leader())
    }

    async fn claim_tasks(
        &self,
        tasks: &[switchboard_core::TaskId],
    ) -> StoreResult<Vec<switchboard_core::TaskId>> {
        executors::claim(&self.pool, &self.lease, tasks).await
    }

    async fn let_go(&self, id: switchboard_core::TaskId) -> StoreResult<()> {
        executors::let_go(&self.pool, &self.lease, id).await
    }

    async fn fence_writer(&self, token: i64) -> StoreResult<()> {
        executors::fence(&self.pool, &self.lease, token).await
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

    fn writer(&self) -> Option<i64> {
        Some(self.lease.token)
    }
}
