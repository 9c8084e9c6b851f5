//! BMS native OpenStack: Nova v2.1 (seed 004). The root document `GET /` is `discovery`'s;
//! under `/compute` the group's root is Nova's own (see `routes::nested`).

use crate::{nova, AppState};
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2.1", get(nova::version_v21))
        .route("/v2.1/", get(nova::version_v21))
        // novaclient discovers the version at the catalog URL itself.
        .route("/v2.1/{project_id}", get(nova::version_v21))
        .route("/v2.1/{project_id}/", get(nova::version_v21))
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
}
