//! The request log: the last N requests the families answered, in memory, for test teams to see
//! what their client sent (`GET /switchboard/v1/requests`). A layer outside authentication
//! records each one once answered (a route layer inside tells it the family and the path's
//! project): the selected headers with credentials masked, the body as far as the handler read
//! it (tee'd while it streams, truncated, secrets masked), the status and the error code of the
//! family's envelope. The operation and the caller come from the request's context, which every
//! family's `permit` fills (see `request_id::action`). Off (capacity 0) it costs one branch.
//!
//! Requests answered before routing (an unknown path, a refused signature) are logged under
//! the family [`UNROUTED`].
//!
//! Memory is bounded whatever clients send: entries, body bytes, and each kept header, path and
//! query are capped. Streaming answers (the event stream) and successful answers pass untouched;
//! only error bodies up to [`ERROR_BODY_MAX`] are read, for their code.

mod capture;
mod redact;

use crate::request_id::Caller;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Error bodies read for their code up to this size; larger ones are passed on unread.
pub const ERROR_BODY_MAX: usize = 64 * 1024;
/// Each kept header value, the path and the query are cut at this many bytes.
const TEXT_MAX: usize = 2048;

/// The ring of the last requests.
pub struct RequestLog {
    capacity: usize,
    body_bytes: usize,
    seq: AtomicU64,
    ring: Mutex<VecDeque<Arc<Entry>>>,
}

/// One request as the log keeps it.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub seq: u64,
    /// Milliseconds since the epoch, when the request arrived.
    pub at: i64,
    pub family: &'static str,
    /// The action the handler checked first (`nova:server:reboot`); none for Keystone logins.
    pub operation: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: serde_json::Map<String, serde_json::Value>,
    pub body: Option<String>,
    /// The body's whole length as read, and whether `body` holds only its start.
    pub body_length: u64,
    pub body_truncated: bool,
    pub status: u16,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub duration_ms: f64,
    pub request_id: String,
    pub principal: Option<Caller>,
    /// The path's `project_id`, when it names one.
    pub path_project: Option<String>,
    /// Ids of the tasks the request started, found once asked (see [`Entry::tasks`]).
    #[serde(skip)]
    pub tasks: OnceLock<Vec<i64>>,
}

impl Entry {
    /// The projects the entry belongs to: its caller's and its path's.
    pub fn projects(&self) -> impl Iterator<Item = &str> {
        self.principal
            .as_ref()
            .and_then(|c| c.project_id.as_deref())
            .into_iter()
            .chain(self.path_project.as_deref())
    }

    /// Whether the request may have started a task: an accepted change.
    pub fn may_start_tasks(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS") && self.status < 400
    }
}

impl RequestLog {
    /// A log of the last `capacity` requests (0: off), keeping `body_bytes` of each body.
    pub fn new(capacity: usize, body_bytes: usize) -> RequestLog {
        RequestLog {
            capacity,
            body_bytes,
            seq: AtomicU64::new(0),
            ring: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub fn is_on(&self) -> bool {
        self.capacity > 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The entries, newest first.
    pub fn newest_first(&self) -> Vec<Arc<Entry>> {
        let ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        ring.iter().rev().cloned().collect()
    }

    fn push(&self, mut entry: Entry) {
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        // Numbered under the lock, so that the ring stays in order.
        entry.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        if ring.len() >= self.capacity {
            ring.pop_front();
        }
        ring.push_back(Arc::new(entry));
    }
}

/// The family a route is logged under; `None` for what the log leaves out: probes, metrics,
/// the console, the OpenAPI document, the event stream and the log's own reads.
fn family_of(route: &str) -> Option<&'static str> {
    if route.starts_with("/switchboard/v1/requests") || route.starts_with("/switchboard/v1/events")
    {
        return None;
    }
    match crate::family::name(route) {
        "switchboard" => None,
        other => Some(other),
    }
}

/// What only the router knows, told by [`route`] to [`layer`].
#[derive(Default)]
struct Routed {
    /// `Some(None)`: a route the log leaves out; unset: the request was never routed.
    family: OnceLock<Option<&'static str>>,
    path_project: OnceLock<Option<String>>,
}

tokio::task_local! {
    static ROUTED: Arc<Routed>;
}

/// The family of requests answered before routing: an unknown path, or a signature refused.
pub const UNROUTED: &str = "unrouted";

/// Route step (in `routes::routed`): tells [`layer`] the request's family and the path's project.
pub async fn route<F, Fut>(req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let Ok(routed) = ROUTED.try_with(Arc::clone) else {
        return next(req).await;
    };
    let family = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| family_of(m.as_str()));
    let _ = routed.family.set(family);
    if family.is_none() {
        return next(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let _ = routed
        .path_project
        .set(capture::path_project(&mut parts).await);
    next(Request::from_parts(parts, body)).await
}

/// Layer outside authentication (so that refused signatures are logged too): records the
/// request once answered.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let log = &state.requests;
    if !log.is_on() {
        return next.run(req).await;
    }
    let started = Instant::now();
    let at = switchboard_core::now_millis();
    let (parts, body) = req.into_parts();
    let form = capture::is_form(&parts.headers);
    // Copied as the handler reads it: nothing is buffered beyond what it reads anyway.
    let (body, tee) = capture::tee(body, log.body_bytes);
    let method = parts.method.to_string();
    let path = redact::cut(parts.uri.path(), TEXT_MAX);
    let query = parts
        .uri
        .query()
        .map(|q| redact::cut(&redact::query(q), TEXT_MAX));
    let headers = redact::headers(&parts.headers, TEXT_MAX);
    let routed = Arc::new(Routed::default());
    let response = ROUTED
        .scope(routed.clone(), next.run(Request::from_parts(parts, body)))
        .await;
    let family = match routed.family.get() {
        Some(Some(family)) => *family,
        Some(None) => return response,
        None => UNROUTED,
    };
    let path_project = routed.path_project.get().cloned().flatten();
    let (response, error) = capture::error_of(response).await;
    let (principal, operation) = crate::request_id::learnt();
    let (kept, body_length) = tee.taken();
    let body_truncated = body_length > kept.len() as u64;
    let body = (body_length > 0).then(|| redact::body(&kept, form));
    log.push(Entry {
        seq: 0,
        at,
        family,
        operation,
        method,
        path,
        query,
        headers,
        body,
        body_length,
        body_truncated,
        status: response.status().as_u16(),
        error_code: error.as_ref().map(|e| e.0.clone()),
        error_message: error.map(|e| redact::cut(&e.1, TEXT_MAX)),
        duration_ms: started.elapsed().as_micros() as f64 / 1000.0,
        request_id: crate::request_id::current(),
        principal,
        path_project,
        tasks: OnceLock::new(),
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> Entry {
        Entry {
            seq: 0,
            at: 0,
            family: "nova",
            operation: None,
            method: "GET".into(),
            path: format!("/{n}"),
            query: None,
            headers: Default::default(),
            body: None,
            body_length: 0,
            body_truncated: false,
            status: n,
            error_code: None,
            error_message: None,
            duration_ms: 0.0,
            request_id: String::new(),
            principal: None,
            path_project: None,
            tasks: OnceLock::new(),
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_numbers_in_order() {
        let log = RequestLog::new(2, 16);
        for n in 1..=3 {
            log.push(entry(n));
        }
        let seqs: Vec<u64> = log.newest_first().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![3, 2]);
    }

    #[test]
    fn probes_and_the_log_itself_are_left_out() {
        assert_eq!(family_of("/health"), None);
        assert_eq!(family_of("/switchboard/v1/requests"), None);
        assert_eq!(family_of("/switchboard/v1/events"), None);
        assert_eq!(family_of("/switchboard/v1/tasks"), Some("native"));
    }
}
