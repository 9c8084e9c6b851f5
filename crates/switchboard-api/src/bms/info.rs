//! BMS v1 version document (`ShowSpecifiedVersion`, `GET /v1` and `GET /v1.1`) and the
//! tenant's quota (`ShowTenantQuota`, `GET /v1/{project_id}/baremetalservers/limits`).

use super::{tenant_mismatch, BmsError};
use crate::auth::Authenticated;
use crate::iam::public_url;
use crate::nova::limits;
use crate::nova::Microversion;
use crate::{lookup, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::Json;
use serde_json::{json, Value};

/// `{"version": {id, links, min_version, status, version, updated}}` for the path's version.
#[utoipa::path(
    get,
    path = "/v1",
    tag = "BMS",
    security(()),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsVersion),
    )
)]
pub async fn show_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Json<Value> {
    let id = uri.path().trim_matches('/').to_string();
    let base = public_url(&state, &headers);
    Json(json!({"version": {
        "id": id,
        "links": [{"href": format!("{base}/{id}/"), "rel": "self"}],
        "min_version": "",
        "status": if id == "v1" { "CURRENT" } else { "SUPPORTED" },
        "version": "",
        "updated": "2018-09-30T00:00:00Z",
    }}))
}

/// `{"absolute": {…}}`: the limits and what the project's servers use of them.
#[utoipa::path(
    get,
    path = "/v1/{project_id}/baremetalservers/limits",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsQuota),
        crate::openapi::BmsRead,
    )
)]
pub async fn show_quota(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:quotas:get")?;
    if !lookup::same_project(&who, &project_id) {
        return Err(tenant_mismatch());
    }
    // Nova's absolute limits (BMS reports Nova's quotas), at the minimum microversion.
    let used = limits::usage(&state, &project_id);
    Ok(Json(
        json!({"absolute": limits::absolute(&used, &Microversion((2, 1)))}),
    ))
}
