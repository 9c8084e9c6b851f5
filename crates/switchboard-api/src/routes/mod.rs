//! Every route of every family, in one place: one file per group of families.

mod compute;
mod huawei;
mod identity;
mod native;

use crate::{aksk, family, gateway, request_id, AppState};
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{middleware, Json, Router};

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/health", get(health))
        .merge(identity::routes())
        .merge(huawei::routes())
        .merge(compute::routes())
        .merge(native::routes())
        // Runs for matched routes only, so that the family is known.
        .route_layer(middleware::from_fn(family::path_params))
        .fallback(gateway::fallback)
        .method_not_allowed_fallback(gateway::fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            aksk::middleware,
        ))
        .layer(middleware::from_fn(request_id::middleware))
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}
