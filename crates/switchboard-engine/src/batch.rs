//! The writes a task's runner makes durable together, and the resource states it shows once
//! they are queued.

use crate::events;
use crate::step::commit_retrying_then;
use crate::Inner;
use std::sync::{Arc, Mutex};
use switchboard_core::{now_millis, Lifecycle};
use switchboard_store::{OnDurable, Priority, Write};

/// Writes made durable together, and the resource states to show once they are.
#[derive(Default)]
pub(crate) struct Batch {
    pub writes: Vec<Write>,
    pub states: Vec<(usize, Lifecycle, Option<String>)>,
    /// Written after everything else (the task's end, after its resources' last states).
    pub last: Option<Write>,
}

impl Batch {
    /// Records the resource's new state (a later one for the same resource replaces it).
    pub fn set_resource(&mut self, node: usize, state: Lifecycle, error: Option<String>) {
        self.states.retain(|(n, _, _)| *n != node);
        self.states.push((node, state, error));
    }

    fn writes(&mut self, inner: &Inner, task: i64, release: bool) -> Vec<Write> {
        let now = now_millis();
        let mut writes = std::mem::take(&mut self.writes);
        if self.states.is_empty() {
            writes.extend(self.last.take());
            return writes;
        }
        let world = inner.lock();
        for (node, state, error) in &self.states {
            let active_task = (!release).then_some(task);
            writes.push(Write::SetResource {
                id: world.specs[*node].id.clone(),
                state: *state,
                active_task,
                last_error: error.clone(),
                updated_at: now,
            });
            let spec = &world.specs[*node];
            let event = events::resource(spec, *state, active_task, error.as_deref(), Some(task));
            writes.push(event);
        }
        writes.extend(self.last.take());
        writes
    }

    /// Shows the new resource states at once (their writes follow in order behind them);
    /// false when there were none.
    fn show(&mut self, inner: &Inner) -> bool {
        if self.states.is_empty() {
            return false;
        }
        show(inner, self.states.drain(..));
        true
    }

    /// Queues the writes and shows the states without waiting for durability: a crash before
    /// they land re-runs the steps, which the drivers recognise. Waiters on resource changes
    /// are woken only when a state changed.
    pub fn flush(&mut self, inner: &Inner, task: i64) {
        let writes = self.writes(inner, task, false);
        if !writes.is_empty() {
            inner.store.enqueue(writes);
        }
        if self.show(inner) {
            inner.notify_changed();
        }
    }

    /// The task's end is committed before its claims go, and they go (with its resources' last
    /// states shown) before the end's events are published: whoever sees the task finished,
    /// by reading it or by hearing of it, can act on its resources at once.
    pub async fn finish(&mut self, inner: &Arc<Inner>, task: i64) {
        let writes = self.writes(inner, task, true);
        let states = std::mem::take(&mut self.states);
        // Runs once: on the writer when durable, or here when the store closed first.
        let ended = Mutex::new(Some((inner.clone(), states)));
        let end = Arc::new(move || {
            let taken = ended.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some((inner, states)) = taken {
                show(&inner, states);
                crate::runner::release(&inner, task);
            }
        });
        let hook = || -> OnDurable {
            let end = end.clone();
            Box::new(move || end())
        };
        commit_retrying_then(inner, writes, Priority::Background, hook).await;
        end();
    }

    /// What the task wrote so far is made durable, and it leaves this engine: the writer that
    /// claims it next goes on from there.
    pub async fn hand_over(&mut self, inner: &Arc<Inner>, task: i64) {
        let writes = self.writes(inner, task, false);
        let states = std::mem::take(&mut self.states);
        commit_retrying_then(inner, writes, Priority::Background, || Box::new(|| {})).await;
        show(inner, states);
        crate::runner::release(inner, task);
    }
}

fn show(inner: &Inner, states: impl IntoIterator<Item = (usize, Lifecycle, Option<String>)>) {
    let mut world = inner.lock();
    let now = now_millis();
    for (node, state, error) in states {
        world.nodes[node].state = state;
        world.nodes[node].last_error = error;
        world.nodes[node].updated_at = now;
    }
}
