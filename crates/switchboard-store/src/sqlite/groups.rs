//! SQLite's side of group commit: one transaction on the single write connection for a
//! group's writes and events, and the WAL checkpoint between groups.

use crate::events::EventLog;
use crate::grouped::Grouped;
use crate::writer::{GroupCommit, Submission};
use crate::{Event, StoreResult};
use sqlx::{Connection, SqliteConnection};
use std::time::{Duration, Instant};

/// How often, while groups commit, the writer checkpoints the WAL. Under sustained accepts the
/// WAL grows about 100 MB/s: this keeps it to a few MB and each checkpoint to a few ms.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

pub(super) struct SqliteGroups {
    pub conn: SqliteConnection,
    pub log: EventLog,
    pub checkpointed: Instant,
}

#[async_trait::async_trait]
impl GroupCommit for SqliteGroups {
    async fn apply(&mut self, group: &[Submission]) -> StoreResult<Vec<Event>> {
        let started = Instant::now();
        let mut tx = self.conn.begin().await?;
        let grouped = Grouped::new(group.iter().flat_map(|s| s.writes.iter()));
        grouped.apply(&mut tx).await?;
        let events = self.log.insert(&mut tx, &grouped.events).await?;
        tx.commit().await?;
        crate::metrics::committed(group.len(), started);
        Ok(events)
    }

    fn publish(&mut self, events: Vec<Event>) {
        self.log.committed(events);
    }

    /// Copies the WAL back into the database between groups, every [`CHECKPOINT_EVERY`]. No
    /// write can start meanwhile, so unless a reader still needs older frames it reaches the
    /// WAL's end, and the next group restarts the WAL from its beginning: the file stays small
    /// under sustained writes without a TRUNCATE checkpoint, which holds the write lock while it
    /// waits for readers (the group commit stalled up to 100 ms on it).
    async fn between_groups(&mut self) {
        if self.checkpointed.elapsed() < CHECKPOINT_EVERY {
            return;
        }
        let started = Instant::now();
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut self.conn)
            .await
        {
            Ok((_, frames, copied)) => {
                crate::metrics::checkpointed(started);
                tracing::trace!(frames, copied, took = ?started.elapsed(), "WAL checkpoint");
            }
            Err(err) => tracing::warn!(%err, "WAL checkpoint failed"),
        }
        self.checkpointed = Instant::now();
    }

    async fn close(self) {
        let _ = self.conn.close().await;
    }
}
