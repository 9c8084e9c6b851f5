//! Prometheus metrics of the HTTP API: requests by family, route template and status, with a
//! latency histogram; and `GET /metrics`, which renders what the binary's recorder holds.
//!
//! Routes are labelled with their template (axum's `MatchedPath`), never the raw path, and
//! methods outside the standard ones as `other`, so no client can grow the number of series:
//! a path no route serves is counted under `route="unmatched"`.

use crate::auth::Authenticated;
use crate::gateway::GatewayError;
use crate::native::NativeError;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use foldhash::HashMap;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

/// Counter of answered requests: `family`, `route`, `method`, `status`.
pub const REQUESTS: &str = "switchboard_http_requests_total";
/// Histogram of request latency in seconds: `family`, `route`, `method`.
pub const DURATION: &str = "switchboard_http_request_duration_seconds";

/// Describes the series of this crate (`# HELP` lines); call once the recorder is installed.
pub fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests answered, by family, route template, method and status"
    );
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "Time from a request's head to its answer, by family, route template and method"
    );
}

/// Renders the exposition (Prometheus text format) of the installed recorder.
#[derive(Clone)]
pub struct Exposition(Arc<dyn Fn() -> String + Send + Sync>);

impl Exposition {
    pub fn new(render: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Exposition(Arc::new(render))
    }

    fn response(&self) -> Response {
        let content_type = "text/plain; version=0.0.4; charset=utf-8";
        ([(header::CONTENT_TYPE, content_type)], (self.0)()).into_response()
    }
}

impl std::fmt::Debug for Exposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exposition")
    }
}

/// `GET /metrics` on the main listener: needs a credential allowed `switchboard:metrics:get`.
/// Where metrics are served elsewhere (or not at all) it is a path like any unknown one.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Switchboard",
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        crate::openapi::NativeRead,
    )
)]
pub async fn get_metrics(
    State(state): State<AppState>,
    who: Result<Authenticated, GatewayError>,
) -> Response {
    let Some(exposition) = &state.metrics else {
        return GatewayError::not_found().into_response();
    };
    let who = match who {
        Ok(Authenticated(who)) => who,
        Err(rejection) => return rejection.into_response(),
    };
    if let Err(denied) = NativeError::permit(&who, "switchboard:metrics:get") {
        return denied.into_response();
    }
    exposition.response()
}

/// The router of a listener of its own (`[metrics] listen`): `/metrics` without authentication,
/// anything else 404.
pub fn router(exposition: Exposition) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move || async move { exposition.response() }),
        )
        .fallback(|| async { GatewayError::not_found() })
}

/// Route step (in `routes::routed`): hands the route template on to [`record`] (the outer
/// layer that times the request never sees the request's extensions again).
pub async fn route<F, Fut>(req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next(req).await;
    if let Some(m) = matched {
        response.extensions_mut().insert(m);
    }
    response
}

/// Counts an answered request and its latency.
pub fn record(method: &Method, response: &Response, elapsed: Duration) {
    let route = match response.extensions().get::<MatchedPath>() {
        Some(m) => m.as_str(),
        None => UNMATCHED,
    };
    let key = (method_label(method), response.status().as_u16());
    HANDLES.with_borrow_mut(|handles| {
        let by_route = match handles.get_mut(route) {
            Some(by_route) => by_route,
            None => handles.entry(route.into()).or_default(),
        };
        let (latency, answered) = by_route.entry(key).or_insert_with(|| series(route, key));
        latency.record(elapsed.as_secs_f64());
        answered.increment(1);
    });
}

/// The route label of a path no route serves.
const UNMATCHED: &str = "unmatched";

/// The latency histogram and request counter of one route, method and status.
type Series = (metrics::Histogram, metrics::Counter);
/// One route's series by method and status.
type RouteSeries = HashMap<(&'static str, u16), Series>;

thread_local! {
    /// This thread's handles: finding a labelled series in the registry builds its labels
    /// (allocations) and hashes and compares all of them, on every request. Bounded: route
    /// templates, methods and statuses are finite (see the module's doc). A handle stays the
    /// registry's own because the recorder never expires idle series (no `idle_timeout`).
    static HANDLES: RefCell<HashMap<Box<str>, RouteSeries>> =
        RefCell::new(HashMap::default());
}

fn series(route: &str, (method, status): (&'static str, u16)) -> Series {
    let family = match route {
        UNMATCHED => "gateway",
        _ => crate::family::name(route),
    };
    let route = route.to_string();
    let latency = metrics::histogram!(DURATION, "family" => family, "route" => route.clone(),
        "method" => method);
    let answered = metrics::counter!(REQUESTS, "family" => family, "route" => route,
        "method" => method, "status" => status.to_string());
    (latency, answered)
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
