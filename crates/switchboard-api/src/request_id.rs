//! Every response carries `X-Request-Id`; error bodies that quote it read it from here. Every
//! request is logged at `info` once answered: id, principal, method, path, status and latency.
//! The query string is never logged (it may hold secrets); the principal is filled in by whichever
//! authentication the request went through (`principal`), `-` when there was none.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, OnceLock};
use switchboard_identity::Principal;

/// What the request log line needs to know that only later layers learn.
struct Context {
    id: String,
    /// Whether the request log is on: only then are the caller and action below kept.
    logged: bool,
    principal: OnceLock<String>,
    /// For the request log (`crate::requests`): the caller, and the first action checked.
    who: OnceLock<Caller>,
    action: OnceLock<String>,
}

/// The caller as the request log shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Caller {
    pub user_id: String,
    pub user_name: String,
    pub project_id: Option<String>,
}

/// What later layers learnt of the current request: its caller and the action its handler
/// checked first (the operation).
pub fn learnt() -> (Option<Caller>, Option<String>) {
    REQUEST
        .try_with(|c| (c.who.get().cloned(), c.action.get().cloned()))
        .unwrap_or_default()
}

/// Records the action `who` asks to perform (the first one is the request's operation).
pub fn action(who: &Principal, action: &str) {
    let _ = REQUEST.try_with(|c| {
        if c.logged {
            c.action.get_or_init(|| action.to_string());
            c.who.get_or_init(|| caller(who));
        }
    });
}

fn caller(who: &Principal) -> Caller {
    Caller {
        user_id: who.user_id.clone(),
        user_name: who.user_name.clone(),
        project_id: who.project_id.clone(),
    }
}

tokio::task_local! {
    static REQUEST: Arc<Context>;
}

/// The current request's id (32 hex characters, like the API gateway's).
pub fn current() -> String {
    REQUEST.try_with(|c| c.id.clone()).unwrap_or_default()
}

/// Records `who` as the current request's principal, for its log line; hands it back.
pub fn principal(who: Principal) -> Principal {
    let _ = REQUEST.try_with(|c| {
        if tracing::enabled!(tracing::Level::INFO) {
            c.principal.get_or_init(|| who.audit_name());
        }
        if c.logged {
            c.who.get_or_init(|| caller(&who));
        }
    });
    who
}

pub async fn middleware(
    State(state): State<crate::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let context = Arc::new(Context {
        id: state.ids.ordered("request").simple().to_string(),
        logged: state.requests.is_on(),
        principal: OnceLock::new(),
        who: OnceLock::new(),
        action: OnceLock::new(),
    });
    // The log line's fields are copied only when it is written.
    let log = tracing::enabled!(tracing::Level::INFO);
    let method = req.method().clone();
    let path = if log {
        req.uri().path().to_string()
    } else {
        String::new()
    };
    let started = std::time::Instant::now();
    let mut response = REQUEST.scope(context.clone(), next.run(req)).await;
    let elapsed = started.elapsed();
    crate::metrics::record(&method, &response, elapsed);
    if log {
        let latency_ms = elapsed.as_micros() as f64 / 1000.0;
        tracing::info!(
            request_id = %context.id,
            principal = %context.principal.get().map_or("-", String::as_str),
            %method,
            %path,
            status = response.status().as_u16(),
            latency_ms,
            "request"
        );
    }
    if let Ok(v) = HeaderValue::from_str(&context.id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
