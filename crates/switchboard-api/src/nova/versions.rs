//! `GET /` and `GET /v2.1/`: the compute version documents.

use super::microversion::{MAX, MIN};
use crate::iam::public_url;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

const UPDATED: &str = "2013-07-23T11:33:21Z";

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

pub async fn version_root(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = public_url(&state, &headers);
    Json(json!({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z",
         "links": [{"href": format!("{base}/v2/"), "rel": "self"}]},
        v21(&base),
    ]}))
}

pub async fn version_v21(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = public_url(&state, &headers);
    let mut doc = v21(&base);
    doc["links"] = json!([
        {"href": format!("{base}/v2.1/"), "rel": "self"},
        {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
    ]);
    doc["media-types"] = json!([{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]);
    Json(json!({ "version": doc }))
}
