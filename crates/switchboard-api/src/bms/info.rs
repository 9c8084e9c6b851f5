//! BMS v1 version document (`ShowSpecifiedVersion`, `GET /v1` and `GET /v1.1`) and the
//! tenant's quota (`ShowTenantQuota`, `GET /v1/{project_id}/baremetalservers/limits`).

use super::{tenant_mismatch, BmsError};
use crate::auth::Authenticated;
use crate::iam::public_url;
use crate::{lookup, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::ResourceKind;

/// Nova's default quotas, which BMS reports as its limits.
// TODO(merge): the limits from the inventory, once N1's Nova `/limits` has them.
const MAX_INSTANCES: i64 = 10;
const MAX_CORES: i64 = 20;
const MAX_RAM_MB: i64 = 51_200;

/// `{"version": {id, links, min_version, status, version, updated}}` for the path's version.
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
pub async fn show_quota(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:quotas:get")?;
    if !lookup::same_project(&who, &project_id) {
        return Err(tenant_mismatch());
    }
    let servers = lookup::owned_all(&state, &who, ResourceKind::Server);
    let (mut cores, mut ram) = (0u64, 0u64);
    for s in &servers {
        let (c, r) = crate::flavor::usage(&state, s);
        (cores, ram) = (cores.saturating_add(c), ram.saturating_add(r));
    }
    Ok(Json(json!({"absolute": {
        "maxTotalInstances": MAX_INSTANCES, "maxTotalCores": MAX_CORES, "maxTotalRAMSize": MAX_RAM_MB,
        "maxTotalKeypairs": 100, "maxServerMeta": 128, "maxPersonality": 5,
        "maxPersonalitySize": 10240, "maxServerGroups": 10, "maxServerGroupMembers": 10,
        "totalServerGroupsUsed": 0, "maxSecurityGroups": 10, "maxSecurityGroupRules": 20,
        "maxTotalFloatingIps": 10, "maxImageMeta": 128,
        "totalInstancesUsed": servers.len(),
        "totalCoresUsed": cores,
        "totalRAMUsed": ram,
        "totalSecurityGroupsUsed": 1, "totalFloatingIpsUsed": 0,
    }})))
}
