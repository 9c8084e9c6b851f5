//! Following the other writers of a shared database (replicas on PostgreSQL): the tasks they
//! accepted, their resources' states and their tasks' ends reach this engine's world through
//! the events they commit, which the store publishes with its own, in the order the database
//! numbered them (commit order). An engine runs the tasks the others accepted for it to run
//! (`executors`), as it resumes its own after a restart, and holds the others' claims until
//! their end reaches it. Events missed (a receiver lagging behind, events pruned before they
//! were read) are made up for by reading the world again from the tables.

use crate::{adopt, runner, structure, EngineError, Inner};
use serde::Deserialize;
use std::sync::{Arc, Weak};
use switchboard_core::Lifecycle;
use switchboard_store::Event;
use tokio::sync::broadcast::{error::RecvError, Receiver};

/// What the engine will follow, subscribed to before the world is read (what is published
/// meanwhile is applied again, in order, after it: the world converges on the latest).
pub(crate) struct Following {
    events: Receiver<Arc<Event>>,
    after: i64,
    /// This engine's writer: its own events are not the others'.
    me: i64,
}

/// `None` on a database no other writer shares.
pub(crate) fn subscribe(store: &dyn switchboard_store::Store) -> Option<Following> {
    let me = store.writer()?;
    let events = store.subscribe_events();
    Some(Following {
        events,
        after: store.last_event_seq(),
        me,
    })
}

/// Follows the others' events while the engine lives.
pub(crate) fn spawn(inner: &Arc<Inner>, following: Option<Following>) {
    if let Some(following) = following {
        tokio::spawn(run(Arc::downgrade(inner), following));
    }
}

async fn run(engine: Weak<Inner>, mut following: Following) {
    loop {
        let received = following.events.recv().await;
        let Some(inner) = engine.upgrade() else {
            return;
        };
        let mut behind = match received {
            Ok(event) if event.seq > following.after + 1 => true,
            Ok(event) => {
                following.after = following.after.max(event.seq);
                let applied = if event.writer == following.me {
                    Ok(())
                } else {
                    apply(&inner, &event).await
                };
                applied
                    .map_err(|err| tracing::warn!(%err, seq = event.seq, "cannot follow another replica's change"))
                    .is_err()
            }
            Err(RecvError::Lagged(_)) => true,
            Err(RecvError::Closed) => return,
        };
        // A task another replica accepted must not go unrun: the world is read again until
        // it can be.
        while behind {
            tracing::warn!(
                after = following.after,
                "missed changes of other replicas; reading the world again"
            );
            // What was published before the tables are read is in what they show.
            let published = inner.store.last_event_seq();
            match adopt::catch_up(&inner).await {
                Ok(()) => {
                    following.after = following.after.max(published);
                    behind = false;
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot read the world again");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }
}

async fn apply(inner: &Arc<Inner>, event: &Event) -> Result<(), EngineError> {
    match (event.kind.as_str(), event.task_id) {
        ("task.created", Some(id)) => {
            let Some(task) = inner.store.task(id).await? else {
                return Ok(());
            };
            if task.state.is_terminal() {
                return Ok(());
            }
            let steps = inner.store.steps(id).await?;
            if adopt::adopt(inner, &task, &steps) && crate::executors::mine(inner, task.executor) {
                tracing::info!(task = id, request_id = %task.request_id,
                    action = %task.action.as_str(), targets = %task.targets.join(","),
                    "running a task another replica accepted");
                runner::spawn(inner.clone(), task, steps);
            }
            inner.notify_changed();
        }
        // A task this engine runs ends here, not by another's word.
        ("task.finished", Some(id)) if !adopt::runs(inner, id) => runner::release(inner, id),
        ("task.cancelling", Some(id)) => {
            if let Some(cancel) = inner
                .cancels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&id)
            {
                let _ = cancel.send(true);
            }
        }
        ("resource.state", _) => {
            let parsed: ResourceState = match serde_json::from_str(&event.data) {
                Ok(parsed) => parsed,
                Err(err) => {
                    tracing::warn!(seq = event.seq, %err, "an unreadable resource.state event");
                    return Ok(());
                }
            };
            // A resource this world does not show (a reset undid its deletion) is read again.
            if inner.index_of(&parsed.resource.id).is_none() {
                structure::resource_changed(inner, &parsed.resource.id).await?;
            }
            resource_state(inner, parsed);
        }
        ("resource.created" | "resource.changed" | "resource.deleted", _) => {
            if let Some(id) = resource_id(event) {
                structure::resource_changed(inner, &id).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The `resource.id` of a resource event.
fn resource_id(event: &Event) -> Option<String> {
    #[derive(Deserialize)]
    struct Named {
        resource: Id,
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let named: Named = serde_json::from_str(&event.data).ok()?;
    Some(named.resource.id)
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

fn resource_state(inner: &Inner, parsed: ResourceState) {
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
