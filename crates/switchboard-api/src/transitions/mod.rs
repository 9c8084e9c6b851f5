//! Controllable transitions at the API: counting reads of resources in a `manual` progression
//! (the one seam is [`note`], called where the families fetch one resource for a `GET`), the
//! settle after the read that completes one, settings as the API takes them, and the clearing
//! that reset uses.

pub mod settings;

use crate::AppState;
use axum::extract::Request;
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::transitions::ReadFacts;
use switchboard_engine::ResourceSnapshot;
use switchboard_store::{Priority, StoreError, Write};

/// Longest a read waits for the transition it completed to show (the engine takes ms).
const SETTLE_WITHIN: Duration = Duration::from_secs(5);

/// The resources whose `manual` transition the current `GET` completed.
#[derive(Default)]
struct Reads {
    released: Mutex<Vec<String>>,
}

tokio::task_local! {
    static READS: Arc<Reads>;
}

/// Counts a read of one resource by the current `GET` request (nothing outside one): a
/// simulated resource in transition under a task. The read that completes a `manual`
/// progression is answered only once the engine shows the new state, so the next read sees it.
pub fn note(state: &AppState, r: &ResourceSnapshot) {
    let Some(task) = r.active_task else {
        return;
    };
    if !r.state.is_transitional() || r.spec.driver != "sim" {
        return;
    }
    let _ = READS.try_with(|reads| {
        let facts = ReadFacts {
            resource_id: r.spec.id.clone(),
            kind: r.spec.kind,
            project_id: r.spec.project_id.clone(),
        };
        if state.transitions.note_read(&facts, task) {
            let mut released = reads.released.lock().unwrap_or_else(|p| p.into_inner());
            released.push(r.spec.id.clone());
        }
    });
}

/// Runs `GET`s in a read scope; after the handler, waits for the transitions its reads completed.
pub async fn reads<F, Fut>(state: &AppState, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    if req.method() != axum::http::Method::GET {
        return next(req).await;
    }
    let reads = Arc::new(Reads::default());
    let response = READS.scope(reads.clone(), next(req)).await;
    let released = std::mem::take(&mut *reads.released.lock().unwrap_or_else(|p| p.into_inner()));
    if !released.is_empty() {
        let pick = |s: &switchboard_core::ResourceSpec| released.contains(&s.id);
        state.engine.settle(pick, SETTLE_WITHIN).await;
    }
    response
}

/// Removes every transition setting (`project` `None`) or those bound to one project id, durably;
/// how many went. Reset calls this.
pub async fn clear_transitions(
    state: &AppState,
    project: Option<&str>,
) -> Result<usize, StoreError> {
    let _order = state.transitions.changes.lock().await;
    let (kept, removed) = state.transitions.clear_transitions(project);
    if removed > 0 {
        state
            .store
            .commit(vec![Write::SetTransitions(kept)], Priority::Answer)
            .await?;
    }
    Ok(removed)
}

/// Loads the stored settings and clock offset into `book` (at start).
pub async fn restore(
    book: &switchboard_core::transitions::TransitionBook,
    store: &dyn switchboard_store::Store,
) -> Result<(), StoreError> {
    book.replace(store.transitions().await?);
    book.clock.restore(store.clock_offset().await?);
    Ok(())
}
