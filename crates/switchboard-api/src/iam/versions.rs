//! Keystone's version documents: `GET /v3` (one version) and `GET /identity` and `GET /` (the
//! unversioned list, answered with 300 Multiple Choices as Keystone does), linking under the prefix asked.

use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};

/// The v3 entry; `base` is where `/v3/` hangs.
fn v3(base: &str) -> Value {
    json!({
        "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{base}/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
    })
}

/// `GET /v3`.
#[utoipa::path(
    get,
    path = "/v3",
    tag = "Keystone",
    security(()),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneVersion),
    )
)]
pub async fn version_v3(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    Json(json!({ "version": v3(&crate::prefix::base(&state, &headers)) }))
}

/// `GET /identity`, `/identity/` and `/`: Keystone's unversioned document.
#[utoipa::path(
    get,
    path = "/",
    tag = "Keystone",
    security(()),
    responses(
        (status = 300, description = "Multiple Choices", body = crate::openapi::identity::KeystoneVersions),
    )
)]
pub async fn version_root(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let base = crate::prefix::base(&state, &headers);
    (
        StatusCode::MULTIPLE_CHOICES,
        Json(json!({"versions": {"values": [v3(&base)]}})),
    )
}
