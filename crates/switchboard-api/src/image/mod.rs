//! The image service, read-only and in small (Glance v2 under `/image`, as DevStack lays it
//! out): the images the project's servers were built from (`attrs.image`, named by
//! `attrs.image_name`), read from the engine's image index, so a page or a show costs its
//! own size, not the project's servers. openstacksdk's cloud layer looks a server's image up
//! by id when it reads a server in detail (Ansible's `server_info`), and needs the service in
//! the catalog.

use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_engine::ProjectImage;

mod list;
pub use list::*;

/// When every image was made, as far as anyone here knows.
const CREATED: &str = "2024-01-01T00:00:00Z";

/// `GET /image`: Glance's version document (v2 only).
#[utoipa::path(
    get,
    path = "/image",
    tag = "Glance",
    security(()),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::GlanceVersions),
    )
)]
pub async fn versions(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = crate::iam::public_url(&state, &headers);
    Json(json!({"versions": [{
        "id": "v2.16", "status": "CURRENT",
        "links": [{"rel": "self", "href": format!("{base}/image/v2/")}],
    }]}))
}

/// Glance's view of image `id` named `name`, owned by `project`.
fn render(project: &str, image: &ProjectImage) -> Value {
    let (id, name) = (&image.id, &image.name);
    json!({
        "id": id, "name": name, "status": "active", "visibility": "private",
        "owner": project, "protected": false, "os_hidden": false,
        "container_format": "bare", "disk_format": "raw", "min_disk": 0, "min_ram": 0,
        "size": null, "virtual_size": null, "checksum": null, "tags": [],
        "created_at": CREATED, "updated_at": CREATED,
        "self": format!("/v2/images/{id}"), "file": format!("/v2/images/{id}/file"),
        "schema": "/v2/schemas/image",
    })
}

/// An error in Glance's envelope.
fn error(status: StatusCode, message: String) -> Response {
    let code = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    let title = status.canonical_reason().unwrap_or_default();
    (
        status,
        Json(json!({"code": code, "title": title, "message": message})),
    )
        .into_response()
}

/// `GET /image/v2/images/{image_id}`; another project's image reads like an unknown one.
#[utoipa::path(
    get,
    path = "/image/v2/images/{image_id}",
    tag = "Glance",
    params(
        ("image_id" = String, Path, description = "Image id", example = "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::GlanceImage),
        crate::openapi::GlanceRead,
    )
)]
pub async fn show_image(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(id): Path<String>,
) -> Response {
    if let Some(denied) = refused(&who, "glance:image:get") {
        return denied;
    }
    let project = who.project_id.clone().unwrap_or_default();
    match state.engine.project_image(&project, &id) {
        Some(image) => Json(render(&project, &image)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("No image found with ID {id}"),
        ),
    }
}

/// Glance's 403 when the caller may not perform `action`.
fn refused(who: &switchboard_identity::Principal, action: &str) -> Option<Response> {
    if who.may(action) {
        return None;
    }
    Some(error(
        StatusCode::FORBIDDEN,
        format!("You are not authorized to complete {action} action."),
    ))
}
