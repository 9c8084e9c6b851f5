//! The image service, read-only and in small (Glance v2 under `/image`, as DevStack lays it
//! out): the images the project's servers were built from (`attrs.image`, named by
//! `attrs.image_name`). openstacksdk's cloud layer looks a server's image up by id when it
//! reads a server in detail (Ansible's `server_info`), and needs the service in the catalog.

use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use switchboard_core::ResourceKind;

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

/// The images of the caller's project, by id.
fn images(state: &AppState, project: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for r in state
        .engine
        .project_resources(project, Some(ResourceKind::Server))
    {
        let a = &r.spec.attrs;
        let Some(id) = a
            .get("image")
            .and_then(Value::as_str)
            .filter(|i| !i.is_empty())
        else {
            continue;
        };
        let name = a.get("image_name").and_then(Value::as_str).unwrap_or(id);
        out.entry(id.to_string()).or_insert_with(|| {
            json!({
                "id": id, "name": name, "status": "active", "visibility": "private",
                "owner": project, "protected": false, "os_hidden": false,
                "container_format": "bare", "disk_format": "raw", "min_disk": 0, "min_ram": 0,
                "size": null, "virtual_size": null, "checksum": null, "tags": [],
                "created_at": CREATED, "updated_at": CREATED,
                "self": format!("/v2/images/{id}"), "file": format!("/v2/images/{id}/file"),
                "schema": "/v2/schemas/image",
            })
        });
    }
    out
}

/// `GET /image/v2/images`: every image in one page (`name` filters exactly, as Glance).
#[utoipa::path(
    get,
    path = "/image/v2/images",
    tag = "Glance",
    params(
        ("name" = Option<String>, Query, description = "Image name"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::GlanceImages),
        crate::openapi::GlanceRead,
    )
)]
pub async fn list_images(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> Response {
    if let Some(denied) = refused(&who, "glance:image:list") {
        return denied;
    }
    let project = who.project_id.clone().unwrap_or_default();
    let name = query.iter().find(|(k, _)| k == "name").map(|(_, v)| v);
    let list: Vec<Value> = images(&state, &project)
        .into_values()
        .filter(|i| name.is_none_or(|n| i["name"] == **n))
        .collect();
    Json(json!({"images": list, "first": "/v2/images", "schema": "/v2/schemas/images"}))
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
    match images(&state, &project).remove(&id) {
        Some(image) => Json(image).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "404 Not Found", "title": "Not Found",
                        "message": format!("No image found with ID {id}")})),
        )
            .into_response(),
    }
}

/// Glance's 403 when the caller may not perform `action`.
fn refused(who: &switchboard_identity::Principal, action: &str) -> Option<Response> {
    if who.may(action) {
        return None;
    }
    Some(
        (
            StatusCode::FORBIDDEN,
            Json(json!({"code": "403 Forbidden", "title": "Forbidden",
                    "message": format!("You are not authorized to complete {action} action.")})),
        )
            .into_response(),
    )
}
