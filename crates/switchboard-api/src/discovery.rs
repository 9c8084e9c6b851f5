//! `GET /`: one document for both kinds of discovery that reach the root. keystoneauth, given an
//! unversioned `OS_AUTH_URL`, picks the highest identity version it finds (v3.14, linked under
//! `/identity`); a Nova client pointed at the root finds v2.1 (linked under `/compute`). Nova's
//! list shape `{"versions": [...]}` holds both; the catalog sends every client to its own prefix,
//! and no catalog entry's discovery lands here.

use crate::{iam, nova, prefix, AppState};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = iam::public_url(&state, &headers);
    let identity = iam::version_entry(&format!("{base}{}", prefix::IDENTITY));
    let compute = nova::version_entry(&format!("{base}{}", prefix::COMPUTE));
    Json(json!({ "versions": [compute, identity] }))
}
