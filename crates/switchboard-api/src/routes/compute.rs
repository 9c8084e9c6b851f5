//! BMS native OpenStack: Nova v2.1 (seed 004). The root document `GET /` is `discovery`'s;
//! under `/compute` the group's root is Nova's own (see `routes::nested`).
//! BMS native OpenStack: Nova v2.1 (seed 004), and the images its servers name (Glance v2).

use crate::{image, nova, AppState};
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
        .route(
            "/v2.1/{project_id}/servers/{server_id}/os-instance-actions",
            get(nova::list_actions),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/os-instance-actions/{request_id}",
            get(nova::show_action),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/metadata",
            get(nova::list_metadata)
                .post(nova::merge_metadata)
                .put(nova::replace_metadata),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/metadata/{key}",
            get(nova::show_meta)
                .put(nova::set_meta)
                .delete(nova::delete_meta),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/os-interface",
            get(nova::list_interfaces),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}",
            get(nova::show_interface),
        )
        .route(
            "/v2.1/{project_id}/servers/{server_id}/remote-consoles",
            post(nova::remote_console),
        )
        .route("/v2.1/{project_id}/limits", get(nova::limits))
        .route(
            "/v2.1/{project_id}/os-availability-zone",
            get(nova::availability_zones),
        )
        .route(
            "/v2.1/{project_id}/os-availability-zone/detail",
            get(nova::availability_zones_detail),
        )
        .route("/v2.1/{project_id}/flavors", get(nova::list_flavors))
        .route(
            "/v2.1/{project_id}/flavors/detail",
            get(nova::list_flavors_detail),
        )
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}",
            get(nova::show_flavor),
        )
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs",
            get(nova::show_extra_specs),
        )
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs/{key}",
            get(nova::show_extra_spec),
        )
        .route("/image", get(image::versions))
        .route("/image/", get(image::versions))
        .route("/image/v2/images", get(image::list_images))
        .route("/image/v2/images/{image_id}", get(image::show_image))
}
