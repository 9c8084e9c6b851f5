//! What the listener answers while the server starts: it is bound first (so a taken address
//! fails at once), then the store is opened, the inventory synced and unfinished tasks resumed,
//! which can take a while with a large inventory or many tasks. Meanwhile `/health` and
//! `/ready` answer 503 with the phase, and every other request 503 in a neutral JSON body with
//! `Retry-After`, instead of hanging; then the full API takes over (`http_server::App`). A
//! standby replica answers only `/health` and `/ready` itself, and what it cannot pass on.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// Where start-up stands, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    OpeningStore = 0,
    SyncingInventory = 1,
    RecoveringTasks = 2,
    Ready = 3,
    /// A replica on PostgreSQL waiting for the leader's lease (see the store's `serving`).
    StandingBy = 4,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::OpeningStore => "opening_store",
            Phase::SyncingInventory => "syncing_inventory",
            Phase::RecoveringTasks => "recovering_tasks",
            Phase::Ready => "ready",
            Phase::StandingBy => "standing_by",
        }
    }

    fn from_u8(v: u8) -> Phase {
        match v {
            0 => Phase::OpeningStore,
            1 => Phase::SyncingInventory,
            2 => Phase::RecoveringTasks,
            4 => Phase::StandingBy,
            _ => Phase::Ready,
        }
    }
}

/// The current phase, shared by the start-up and the listener answering meanwhile; and, while
/// this replica stands by, the leader's URL (empty when it gave none), where connections go
/// (`http_server::PassOn`).
#[derive(Debug, Clone)]
pub struct Progress {
    phase: Arc<AtomicU8>,
    pub leader: Arc<watch::Sender<Option<String>>>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            phase: Arc::default(),
            leader: Arc::new(watch::channel(None).0),
        }
    }
}

impl Progress {
    pub fn set(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Release);
        tracing::info!(phase = phase.as_str(), "start-up");
    }

    /// Moves to `to` only from `from` (a late signal cannot undo a later phase).
    pub fn advance(&self, from: Phase, to: Phase) {
        let moved =
            self.phase
                .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire);
        if moved.is_ok() {
            tracing::info!(phase = to.as_str(), "start-up");
        }
    }

    pub fn get(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Acquire))
    }
}

/// The router served until the full API is ready.
pub fn router(progress: Progress) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .fallback(unavailable)
        .with_state(progress)
}

const VERSION: &str = switchboard_api::VERSION;

async fn health(State(p): State<Progress>) -> Response {
    let body = json!({"status": "starting", "phase": p.get().as_str(), "version": VERSION});
    starting(Json(body))
}

async fn ready(State(p): State<Progress>) -> Response {
    let body = json!({"ready": false, "phase": p.get().as_str(), "version": VERSION});
    starting(Json(body))
}

async fn unavailable(State(p): State<Progress>) -> Response {
    let phase = p.get().as_str();
    let body = json!({"error": {"code": "starting", "phase": phase,
        "message": format!("Switchboard is starting ({phase}); retry shortly")}});
    starting(Json(body))
}

/// 503 with `Retry-After: 1`.
pub(crate) fn starting(body: impl IntoResponse) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1")],
        body,
    )
        .into_response()
}
