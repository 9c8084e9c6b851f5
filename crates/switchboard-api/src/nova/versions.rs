//! `GET /compute/` and `GET /v2.1/` (also `/v2.1/{project_id}`, the catalog URL novaclient
//! discovers at): the compute version documents, linking under the prefix asked.

use super::microversion::{MAX, MIN};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

const UPDATED: &str = "2013-07-23T11:33:21Z";

/// The v2.1 entry of a version list; `base` is where `/v2.1/` hangs.
fn v21(base: &str) -> Value {
    json!({
        "id": "v2.1",
        "status": "CURRENT",
        "version": format!("{}.{}", MAX.0, MAX.1),
        "min_version": format!("{}.{}", MIN.0, MIN.1),
        "updated": UPDATED,
        "links": [{"href": format!("{base}/v2.1/"), "rel": "self"}],
    })
}

/// Nova's root document: v2.0 (legacy) and v2.1.
#[utoipa::path(
    get,
    path = "/compute",
    tag = "Nova",
    security(()),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaVersions),
    )
)]
pub async fn version_root(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = crate::prefix::base(&state, &headers);
    Json(json!({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z",
         "links": [{"href": format!("{base}/v2/"), "rel": "self"}]},
        v21(&base),
    ]}))
}

/// `GET /v2.1/` and `/v2.1/{project_id}`: the v2.1 document.
#[utoipa::path(
    get,
    path = "/v2.1",
    tag = "Nova",
    security(()),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaVersion),
    )
)]
pub async fn version_v21(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = crate::prefix::base(&state, &headers);
    let mut doc = v21(&base);
    doc["links"] = json!([
        {"href": format!("{base}/v2.1/"), "rel": "self"},
        {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
    ]);
    doc["media-types"] = json!([{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]);
    Json(json!({ "version": doc }))
}
