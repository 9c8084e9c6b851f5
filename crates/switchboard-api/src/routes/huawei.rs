//! The Huawei families: MRS Manager, DBSS db-om, Live flows and BMS v1.

use crate::{bms, dbss, live, mrs, AppState};
use axum::routing::{get, post, put};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(mrs_routes())
        .merge(dbss_routes())
        .merge(live_routes())
        .merge(bms_routes())
}

fn mrs_routes() -> Router<AppState> {
    Router::new()
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
}

/// Database O&M instances (seed 002).
fn dbss_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/{project_id}/db-om/{instance_id}/{operation}",
            post(dbss::operate_instance).put(dbss::update_instance_attribute),
        )
        .route(
            "/v1/{project_id}/db-om/{instance_id}",
            get(dbss::show_instance).delete(dbss::delete_instance),
        )
        .route(
            "/v2/{project_id}/db-om/instances",
            post(dbss::list_instances),
        )
        .route(
            "/v1/{project_id}/instance/quota",
            get(dbss::show_instance_quota),
        )
        .route("/v1/{project_id}/version", get(dbss::show_server_version))
}

/// Live flows (seed 003).
fn live_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/{project_id}/flows/start", put(live::start_flow))
        .route("/v1/{project_id}/flows/stop", put(live::stop_flow))
        .route("/v1/{project_id}/flows/detail", get(live::flow_detail))
        .route(
            "/v1/{project_id}/flows/sources",
            put(live::modify_flow_sources),
        )
        .route(
            "/v1/{project_id}/flows/outputs",
            get(live::show_output_info)
                .post(live::create_flow_output)
                .put(live::modify_flow_output)
                .delete(live::delete_flow_output),
        )
        .route(
            "/v1/{project_id}/flows",
            get(live::list_flows)
                .post(live::create_flow)
                .delete(live::delete_flow),
        )
}

/// BMS v1 batch actions and jobs.
fn bms_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/{project_id}/baremetalservers/action",
            post(bms::batch_action),
        )
        .route("/v1/{project_id}/jobs/{job_id}", get(bms::show_job))
        .route("/v1", get(bms::show_version))
        .route("/v1.1", get(bms::show_version))
        .route(
            "/v1/{project_id}/baremetalservers/detail",
            get(bms::list_servers),
        )
        .route(
            "/v1.1/{project_id}/baremetalservers/detail",
            get(bms::list_servers_v11),
        )
        .route(
            "/v1/{project_id}/baremetalservers/flavors",
            get(bms::list_flavors),
        )
        .route(
            "/v1/{project_id}/baremetalservers/limits",
            get(bms::show_quota),
        )
        .route(
            "/v1/{project_id}/baremetalservers/{server_id}",
            get(bms::show_server),
        )
}
