//! Following the other writers of a shared database (replicas on PostgreSQL): the tasks they
//! accepted, their resources' states and their tasks' ends reach this engine's world through
//! the events they commit, which the database numbers in commit order
//! (`EventStore::others_events`), read every [`POLL`]. An engine that executes runs the tasks
//! the others accepted, as it resumes its own after a restart; one that only accepts holds
//! their claims until their end reaches it.

use crate::{adopt, runner, EngineError, Inner};
use serde::Deserialize;
use std::sync::{Arc, Weak};
use std::time::Duration;
use switchboard_core::Lifecycle;
use switchboard_store::{Event, StoreError};

/// How often the others' events are read.
const POLL: Duration = Duration::from_millis(100);
/// Events read at once; more are read at once after a full page.
const PAGE: i64 = 1000;

/// Follows the events committed after `after` by other writers, while the engine lives.
pub(crate) fn spawn(inner: &Arc<Inner>, after: i64) {
    if inner.store.shared() {
        tokio::spawn(run(Arc::downgrade(inner), after));
    }
}

async fn run(engine: Weak<Inner>, mut after: i64) {
    loop {
        let Some(inner) = engine.upgrade() else {
            return;
        };
        let full = match follow(&inner, after).await {
            Ok((through, full)) => {
                after = through;
                full
            }
            Err(err) => {
                tracing::warn!(%err, "cannot read what the other replicas committed");
                false
            }
        };
        drop(inner);
        if !full {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Applies one page of the others' events after `after`: how far it read, and whether the
/// page was full.
async fn follow(inner: &Arc<Inner>, after: i64) -> Result<(i64, bool), EngineError> {
    let oldest = inner.store.oldest_event_seq().await?;
    if oldest.is_some_and(|o| o > after + 1) {
        // Pruned before they were read: the world is read again from the tables instead.
        tracing::warn!(
            after,
            "the other replicas' events were pruned before they were read"
        );
        adopt::catch_up(inner).await?;
    }
    let feed = inner.store.others_events(after, PAGE).await?;
    for event in &feed.events {
        apply(inner, event).await?;
    }
    Ok((feed.through, feed.events.len() as i64 == PAGE))
}

async fn apply(inner: &Arc<Inner>, event: &Event) -> Result<(), StoreError> {
    match (event.kind.as_str(), event.task_id) {
        ("task.created", Some(id)) => {
            let Some(task) = inner.store.task(id).await? else {
                return Ok(());
            };
            if task.state.is_terminal() {
                return Ok(());
            }
            let steps = inner.store.steps(id).await?;
            if adopt::adopt(inner, &task, &steps) && inner.executes {
                tracing::info!(task = id, request_id = %task.request_id,
                    action = %task.action.as_str(), targets = %task.targets.join(","),
                    "running a task another replica accepted");
                runner::spawn(inner.clone(), task, steps);
            }
            inner.notify_changed();
        }
        // A task this engine runs ends here, not by another's word.
        ("task.finished", Some(id)) if !adopt::runs(inner, id) => runner::release(inner, id),
        ("resource.state", _) => resource_state(inner, event),
        _ => {}
    }
    Ok(())
}

/// `resource.state`'s data, as far as the world keeps it.
#[derive(Deserialize)]
struct ResourceState {
    at: String,
    resource: StateOf,
}

#[derive(Deserialize)]
struct StateOf {
    id: String,
    state: Lifecycle,
    error: Option<String>,
}

fn resource_state(inner: &Inner, event: &Event) {
    let parsed: ResourceState = match serde_json::from_str(&event.data) {
        Ok(parsed) => parsed,
        Err(err) => {
            tracing::warn!(seq = event.seq, %err, "an unreadable resource.state event");
            return;
        }
    };
    let r = parsed.resource;
    {
        let mut world = inner.lock();
        let Some(node) = world.index_of(&r.id) else {
            return;
        };
        // A resource a task of this engine runs shows that task's states.
        if world.nodes[node]
            .claim
            .is_some_and(|c| adopt::runs(inner, c.0))
        {
            return;
        }
        let n = &mut world.nodes[node];
        n.state = r.state;
        n.last_error = r.error;
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&parsed.at) {
            n.updated_at = n.updated_at.max(at.timestamp_millis());
        }
    }
    inner.notify_changed();
}
