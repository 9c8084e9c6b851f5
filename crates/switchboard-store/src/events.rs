//! The event log: events are numbered and inserted by the writer inside the transaction of the
//! changes they describe, published to subscribers only once that transaction is durable, and
//! pruned to the newest `retention` rows as the log grows.

use crate::decode::{event, EventRow};
use crate::{Event, EventFilter, EventRecord, StoreResult};
use sqlx::{SqliteConnection, SqlitePool};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Rows over the retention that trigger a prune (fewer for a smaller retention): pruning in
/// batches keeps it cheap per commit.
const PRUNE_BATCH: i64 = 1024;

/// The side of the log that readers share with the writer.
#[derive(Clone)]
pub(crate) struct EventHub {
    pub sender: broadcast::Sender<Arc<Event>>,
    /// The newest published seq, set before the event is sent.
    pub published: Arc<AtomicI64>,
    /// Held by whoever publishes (on a shared database, the writer and the others' feed).
    order: Arc<Mutex<()>>,
}

/// The writer's numbering and pruning state.
pub(crate) struct EventLog {
    pub hub: EventHub,
    next_seq: i64,
    /// Everything at or below this has been pruned (or never existed).
    pruned_to: i64,
    retention: i64,
    prune_batch: i64,
}

impl EventLog {
    /// Continues the numbering where the table's history (not only its rows) ends.
    pub async fn open(pool: &SqlitePool, retention: u64, buffer: usize) -> StoreResult<EventLog> {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
                .fetch_optional(pool)
                .await?;
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM events")
            .fetch_one(pool)
            .await?;
        let last = last.unwrap_or(0);
        let retention = retention.clamp(1, i64::MAX as u64) as i64;
        Ok(EventLog {
            hub: EventHub::new(buffer, last),
            next_seq: last + 1,
            pruned_to: oldest.map_or(last, |o| o - 1),
            retention,
            prune_batch: PRUNE_BATCH.min(retention),
        })
    }

    /// Numbers `events` and inserts them (and prunes, when due) in the open transaction; the
    /// numbering only counts once `committed` is called.
    pub async fn insert(
        &self,
        conn: &mut SqliteConnection,
        events: &[&EventRecord],
    ) -> StoreResult<Vec<Event>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let numbered = number(events, self.next_seq, 0);
        let rows: Vec<(&Event, &&EventRecord)> = numbered.iter().zip(events).collect();
        for (chunk, pad) in crate::bulk::padded_chunks(&rows) {
            let columns = "events (seq, at, project_id, task_id, type, data)";
            let mut q = crate::bulk::insert_padded(columns, |q| {
                crate::bulk::push_padded(q, chunk, pad, 6, |b, (e, r)| {
                    b.push_bind(e.seq)
                        .push_bind(r.at)
                        .push_bind(&e.project_id)
                        .push_bind(e.task_id)
                        .push_bind(r.kind)
                        .push_bind(&e.data);
                })
            });
            q.build().execute(&mut *conn).await?;
        }
        let newest = self.next_seq + numbered.len() as i64 - 1;
        let cutoff = newest - self.retention;
        if cutoff >= self.pruned_to + self.prune_batch {
            sqlx::query("DELETE FROM events WHERE seq <= ?")
                .bind(cutoff)
                .execute(&mut *conn)
                .await?;
        }
        Ok(numbered)
    }

    /// The transaction holding `events` is durable: advance and announce.
    pub fn committed(&mut self, events: Vec<Event>) {
        let Some(last) = events.last() else { return };
        self.next_seq = last.seq + 1;
        let cutoff = last.seq - self.retention;
        if cutoff >= self.pruned_to + self.prune_batch {
            self.pruned_to = cutoff;
        }
        self.hub.publish(events);
    }
}

impl EventHub {
    /// A hub keeping `buffer` events for slow receivers, with events up to `published` out.
    pub fn new(buffer: usize, published: i64) -> EventHub {
        EventHub {
            sender: broadcast::channel(buffer.max(1)).0,
            published: Arc::new(AtomicI64::new(published)),
            order: Arc::default(),
        }
    }

    /// Announces durable `events`, in order: the next ones after those published (a caller
    /// publishing in order passes them from there); any published already are skipped.
    pub fn publish(&self, events: Vec<Event>) {
        let _order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        for e in events {
            if e.seq <= self.published.load(Ordering::SeqCst) {
                continue;
            }
            self.published.store(e.seq, Ordering::SeqCst);
            // No receiver is not an error: nobody is listening.
            let _ = self.sender.send(Arc::new(e));
        }
    }
}

/// `events` numbered from `first`, each stored JSON object with its `seq` as first member.
pub(crate) fn number(events: &[&EventRecord], first: i64, writer: i64) -> Vec<Event> {
    events
        .iter()
        .zip(first..)
        .map(|(e, seq)| Event {
            seq,
            writer,
            project_id: e.project_id.clone(),
            task_id: e.task_id,
            kind: e.kind.to_string(),
            data: with_seq(seq, &e.data),
        })
        .collect()
}

/// The stored JSON object with `seq` as its first member.
fn with_seq(seq: i64, data: &str) -> String {
    match members(data) {
        "" => format!("{{\"seq\":{seq}}}"),
        rest => format!("{{\"seq\":{seq},{rest}"),
    }
}

/// The members of a stored JSON object and its closing brace, or `""` when it has none: what
/// follows `"seq":N` (and a comma) once it is numbered.
pub(crate) fn members(data: &str) -> &str {
    match data.strip_prefix('{').map(str::trim_start) {
        Some(rest) if !rest.starts_with('}') && !rest.is_empty() => rest,
        _ => "",
    }
}

/// Retained events after `after` matching `filter`, oldest first.
pub(crate) async fn after(
    pool: &SqlitePool,
    filter: &EventFilter,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT seq, project_id, task_id, type, data FROM events
         WHERE project_id = ?1 AND seq > ?2 AND (?3 IS NULL OR task_id = ?3)
         ORDER BY seq LIMIT ?4",
    )
    .bind(&filter.project_id)
    .bind(after)
    .bind(filter.task_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(event).collect())
}

pub(crate) async fn oldest(pool: &SqlitePool) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(seq) FROM events")
        .fetch_one(pool)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::with_seq;

    #[test]
    fn seq_goes_first() {
        assert_eq!(with_seq(7, r#"{"type":"x"}"#), r#"{"seq":7,"type":"x"}"#);
        assert_eq!(with_seq(7, "{}"), r#"{"seq":7}"#);
    }
}
