//! The other writers' events, published by this replica's hub with its own, in the order the
//! database numbered them (commit order): every [`POLL`], the events after the newest
//! published are read, and the others' are published up to the first of this writer's own that
//! is not out yet (the writer publishes those once their hooks have run). The writer itself
//! publishes any of the others' committed before its group first (`groups`), so that its own
//! never go out ahead of them. Each round also applies the changes to what replicas keep in
//! memory that another one announced (`shared`).

use super::reads::events_between;
use super::shared::Following;
use crate::events::EventHub;
use sqlx::PgPool;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the others' events are looked for.
const POLL: Duration = Duration::from_millis(100);
/// Events read at once; the next page follows at once after a full one.
pub(super) const PAGE: i64 = 1000;

/// Publishes the events of writers other than `writer` on `hub`, and applies the changes
/// other replicas announced (`shared`), until the lease is lost.
pub(super) fn spawn(
    pool: PgPool,
    hub: EventHub,
    (writer, shared): (i64, Arc<Following>),
    mut lost: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = shared.look(&pool, writer).await {
                tracing::warn!(%err, "cannot look for changes the other replicas announced");
            }
            let full = match page(&pool, &hub, writer).await {
                Ok(full) => full,
                Err(err) => {
                    tracing::warn!(%err, "cannot read the other replicas' events");
                    false
                }
            };
            if !full {
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    _ = lost.wait_for(|l| *l) => return,
                }
            }
        }
    });
}

/// One page of events after the newest published; whether it was full.
async fn page(pool: &PgPool, hub: &EventHub, writer: i64) -> crate::StoreResult<bool> {
    let after = hub.published.load(Ordering::SeqCst);
    let events = events_between(pool, after, i64::MAX, PAGE).await?;
    let full = events.len() as i64 == PAGE;
    if let Some(first) = events.first().filter(|e| e.seq > after + 1) {
        // Pruned before they were read (a replica stalled past the retention).
        tracing::warn!(
            after,
            next = first.seq,
            "events were pruned before this replica read them"
        );
    }
    let others: Vec<_> = events
        .into_iter()
        .take_while(|e| e.writer != writer)
        .collect();
    let stopped = others.len() as i64 != PAGE;
    hub.publish(others);
    Ok(full && !stopped)
}
