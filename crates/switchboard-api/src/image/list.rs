//! `GET /image/v2/images`, paged as Glance v2: `limit` (default `limit_param_default`, 25;
//! clamped to `api_limit_max`, 1000) and `marker` (an image id of the caller's project), a
//! `next` link carrying the request's other parameters while more images follow, and `first`.
//! Images come in id order.

use super::{error, refused, render};
use crate::auth::Authenticated;
use crate::nova::query::urlencode;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_engine::ImageQuery;

/// Glance's `limit_param_default`: a page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 25;
/// Glance's `api_limit_max`: a larger `limit` is cut to it.
pub const MAX_LIMIT: usize = 1000;

/// The page size a request asks for, or Glance's 400 message.
fn limit(raw: Option<&str>) -> Result<usize, &'static str> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    let n: i64 = raw
        .trim()
        .parse()
        .map_err(|_| "limit param must be an integer")?;
    let n = usize::try_from(n).map_err(|_| "limit param must be positive")?;
    Ok(n.min(MAX_LIMIT))
}

/// `/v2/images` with `params` (none: no `?`).
fn link(params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        "/v2/images".to_string()
    } else {
        format!("/v2/images?{}", urlencode(params))
    }
}

/// `GET /image/v2/images`: one page of the project's images (`name` filters exactly).
#[utoipa::path(
    get,
    path = "/image/v2/images",
    tag = "Glance",
    params(
        ("name" = Option<String>, Query, description = "Image name"),
        ("limit" = Option<u32>, Query, description = "Page size (default 25, at most 1000)"),
        ("marker" = Option<String>, Query, description = "The last image id of the previous page"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::GlanceImages),
        crate::openapi::GlanceRead,
    )
)]
pub async fn list_images(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(denied) = refused(&who, "glance:image:list") {
        return denied;
    }
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let limit = match limit(param("limit")) {
        Ok(n) => n,
        Err(message) => return error(StatusCode::BAD_REQUEST, message.to_string()),
    };
    let project = who.project_id.clone().unwrap_or_default();
    let q = ImageQuery {
        project_id: &project,
        name: param("name"),
        marker: param("marker"),
        limit,
    };
    let page = match state.engine.image_page(&q) {
        Ok(page) => page,
        // Glance answers a marker it cannot find with 400; another project's image is unknown.
        Err(unknown) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("No image found with ID {}", unknown.0),
            )
        }
    };
    let list: Vec<Value> = page.items.iter().map(|i| render(&project, i)).collect();
    // As Glance: the request's parameters but the marker, in `first` and (with the next
    // marker) in `next`.
    let mut params: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, _)| k != "marker")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut body = json!({"images": list, "first": link(&params), "schema": "/v2/schemas/images"});
    if let Some(next) = &page.next_marker {
        params.push(("marker", next));
        body["next"] = json!(link(&params));
    }
    Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_clamp_and_refuse_as_glance() {
        assert_eq!(limit(None), Ok(25));
        assert_eq!(limit(Some("0")), Ok(0));
        assert_eq!(limit(Some("7")), Ok(7));
        assert_eq!(limit(Some("5000")), Ok(1000));
        assert_eq!(limit(Some("-1")), Err("limit param must be positive"));
        assert_eq!(limit(Some("x")), Err("limit param must be an integer"));
        assert_eq!(limit(Some("")), Err("limit param must be an integer"));
    }

    #[test]
    fn links_keep_the_query_but_the_marker() {
        assert_eq!(link(&[]), "/v2/images");
        assert_eq!(
            link(&[("limit", "2"), ("marker", "a b")]),
            "/v2/images?limit=2&marker=a+b"
        );
    }
}
