//! Every route of every family, in one place: one file per group of families. Keystone and Nova
//! are served at the root (the seeds' paths) and again under DevStack's `/identity` and
//! `/compute`, by nesting the same groups, so a route added to a group appears under both.
//!
//! `GET /` is Keystone's unversioned document (v3 only, linked under `/identity`): keystoneauth
//! given an unversioned auth URL walks the versions from the lowest when no default domain is
//! set, so any v2-looking entry there (Nova's v2.0 or v2.1) would be taken for Keystone v2.
//! Nova clients discover through the catalog (`/compute/…`), never at the root. Browsers asking
//! `/` for a page are sent to the web console instead (see `console.rs`).

mod compute;
mod console;
mod huawei;
mod identity;
mod native;

use crate::{aksk, family, iam, nova, prefix, request_id, AppState};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use axum::{middleware, Json, Router};

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(crate::metrics::get_metrics))
        .route("/openapi.json", get(crate::openapi::serve))
        .route(
            "/",
            under(prefix::IDENTITY, get(iam::version_root)).layer(middleware::from_fn_with_state(
                state.clone(),
                crate::console::browsers,
            )),
        )
        .merge(identity::routes())
        .nest(
            prefix::IDENTITY,
            nested(identity::routes(), prefix::IDENTITY, get(iam::version_root)),
        )
        .route(
            "/identity/",
            under(prefix::IDENTITY, get(iam::version_root)),
        )
        .merge(huawei::routes())
        .merge(compute::routes())
        .nest(
            prefix::COMPUTE,
            nested(compute::routes(), prefix::COMPUTE, get(nova::version_root)),
        )
        .route("/compute/", under(prefix::COMPUTE, get(nova::version_root)))
        .merge(native::routes())
        .merge(console::routes())
        // Runs for matched routes only, so that the family is known.
        .route_layer(middleware::from_fn_with_state(state.clone(), routed))
        .fallback(family::not_found)
        .method_not_allowed_fallback(family::bad_method)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            aksk::middleware,
        ))
        // Outside the signature check and the fault layer: logs what they answered too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::requests::layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_id::middleware,
        ))
        .with_state(state)
}

/// The layers of a matched route, outermost first (after the check that this replica's lease
/// holds): the route template for the metrics, the request log's family and path project, the
/// path's escapes, the read scope of transitions, fault rules. One layer rather than five: each axum layer costs its own clone of the inner
/// service and boxed futures on every request.
async fn routed(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.store.lease_surely_held() && req.uri().path() != "/health" {
        return lease_lapsed();
    }
    crate::metrics::route(req, |req| {
        crate::requests::route(req, |req| {
            family::path_params(req, |req| {
                crate::transitions::reads(&state, req, |req| {
                    crate::faults::layer(&state, req, |req| next.run(req))
                })
            })
        })
    })
    .await
}

/// A replica whose lease may have lapsed (paused, or cut off from its database past it)
/// answers nothing from what it keeps in memory, which changes it missed may have made stale:
/// 503, but `/health`, until a renewal goes through or it stops.
fn lease_lapsed() -> Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({"error": {"code": "lease_lapsed",
        "message": "this replica cannot renew its lease on the database; retry shortly"}});
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "1")],
        Json(body),
    )
        .into_response()
}

/// `group` under `prefix`, with `root` (its version document) at the bare prefix, its handlers
/// told the prefix (for the links they render).
fn nested(
    group: Router<AppState>,
    prefix: &'static str,
    root: MethodRouter<AppState>,
) -> Router<AppState> {
    group
        .route("/", root)
        .layer(middleware::from_fn(move |req, next| {
            prefix::scope(prefix, req, next)
        }))
}

/// One route outside the nested group that still renders links under `prefix`.
fn under(prefix: &'static str, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.layer(middleware::from_fn(move |req, next| {
        prefix::scope(prefix, req, next)
    }))
}

/// Liveness, with the version; 200 once the full API serves (see the binary's start-up).
#[utoipa::path(
    get,
    path = "/health",
    tag = "Switchboard",
    security(()),
    responses((status = 200, description = "OK", body = crate::openapi::native::Health))
)]
pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok", "version": crate::VERSION}))
}

/// Readiness: this router serves only once the store is open, the inventory synced and
/// unfinished tasks resumed (the binary answers 503 before).
#[utoipa::path(
    get,
    path = "/ready",
    tag = "Switchboard",
    security(()),
    responses(
        (status = 200, description = "Ready", body = crate::openapi::native::Ready),
        (status = 503, description = "Starting: the phase it is in", body = crate::openapi::native::Ready)
    )
)]
pub(crate) async fn ready() -> Json<serde_json::Value> {
    Json(serde_json::json!({"ready": true, "phase": "ready", "version": crate::VERSION}))
}
