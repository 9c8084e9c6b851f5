//! Every route of every family, in one place.

use crate::{gateway, iam, mrs, native, request_id, AppState};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Json, Router};

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/health", get(health))
        // Identity (Keystone v3)
        .route("/v3", get(iam::version_v3))
        .route("/v3/", get(iam::version_v3))
        .route("/v3/auth/tokens", post(iam::create_token))
        // MRS Manager
        // start and stop (seeds 000, 001) and restart (extension)
        .route(
            "/web/v1/maintain/cluster/{cluster_id}/service/{service_name}/{operation}",
            post(mrs::operate_service),
        )
        .route(
            "/web/v1/common/command/{command_id}/progress",
            get(mrs::command_progress),
        )
        .route(
            "/web/v1/cluster/{cluster_id}/services/{service_name}",
            get(mrs::service_summary),
        )
        .route(
            "/web/v1/cluster/{cluster_id}/status",
            get(mrs::cluster_status),
        )
        .route("/web/v1/clusters", get(mrs::list_clusters))
        // Switchboard's own API
        .route("/switchboard/v1/tasks", get(native::list_tasks))
        .route("/switchboard/v1/tasks/{id}", get(native::get_task))
        .route(
            "/switchboard/v1/tasks/{id}/cancel",
            post(native::cancel_task),
        )
        .route("/switchboard/v1/resources", get(native::list_resources))
        .route("/switchboard/v1/audit", get(native::list_audit))
        .fallback(gateway::fallback)
        .method_not_allowed_fallback(gateway::fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(request_id::middleware))
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}
