//! Every route of every family, in one place.

use crate::{aksk, bms, dbss, family, gateway, iam, live, mrs, native, nova, request_id, AppState};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::{middleware, Json, Router};

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/health", get(health))
        // Identity (Keystone v3)
        .route("/v3", get(iam::version_v3))
        .route("/v3/", get(iam::version_v3))
        .route(
            "/v3/auth/tokens",
            post(iam::create_token)
                .get(iam::validate_token)
                .delete(iam::revoke_token),
        )
        .route("/v3/projects", get(iam::list_projects))
        .route(
            "/v3.0/OS-CREDENTIAL/credentials",
            post(iam::create_credential).get(iam::list_credentials),
        )
        .route(
            "/v3.0/OS-CREDENTIAL/credentials/{access_key}",
            get(iam::show_credential).delete(iam::delete_credential),
        )
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
        // DBSS database O&M instances (seed 002)
        .route(
            "/v1/{project_id}/db-om/{instance_id}/{operation}",
            post(dbss::operate_instance),
        )
        .route(
            "/v1/{project_id}/db-om/{instance_id}",
            get(dbss::show_instance).delete(dbss::delete_instance),
        )
        .route(
            "/v2/{project_id}/db-om/instances",
            post(dbss::list_instances),
        )
        // Live flows (seed 003)
        .route("/v1/{project_id}/flows/start", put(live::start_flow))
        .route("/v1/{project_id}/flows/stop", put(live::stop_flow))
        .route("/v1/{project_id}/flows/detail", get(live::flow_detail))
        .route(
            "/v1/{project_id}/flows",
            get(live::list_flows)
                .post(live::create_flow)
                .delete(live::delete_flow),
        )
        // BMS native OpenStack / Nova v2.1 (seed 004)
        .route("/", get(nova::version_root))
        .route("/v2.1", get(nova::version_v21))
        .route("/v2.1/", get(nova::version_v21))
        .route("/v2.1/{project_id}/servers", get(nova::list_servers))
        .route(
            "/v2.1/{project_id}/servers/detail",
            get(nova::list_servers_detail),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}",
            get(nova::show_server),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/action",
            post(nova::server_action),
        )
        // BMS v1 batch actions and jobs
        .route(
            "/v1/{project_id}/baremetalservers/action",
            post(bms::batch_action),
        )
        .route("/v1/{project_id}/jobs/{job_id}", get(bms::show_job))
        // Switchboard's own API
        .route("/switchboard/v1/tasks", get(native::list_tasks))
        .route("/switchboard/v1/tasks/{id}", get(native::get_task))
        .route(
            "/switchboard/v1/tasks/{id}/cancel",
            post(native::cancel_task),
        )
        .route("/switchboard/v1/resources", get(native::list_resources))
        .route("/switchboard/v1/audit", get(native::list_audit))
        .route(
            "/switchboard/v1/users",
            post(native::create_user).get(native::list_users),
        )
        .route(
            "/switchboard/v1/users/{id}",
            put(native::modify_user).delete(native::delete_user),
        )
        .route("/switchboard/v1/policies", get(native::list_policies))
        .route(
            "/switchboard/v1/policies/{name}",
            put(native::put_policy).delete(native::delete_policy),
        )
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
