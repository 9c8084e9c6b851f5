//! BMS v1 flavors (`ListBaremetalFlavorDetailExtends`, `GET /v1/{project_id}/baremetalservers/flavors`)
//! and the flavor each server names.

use super::{tenant_mismatch, BmsError};
use crate::auth::Authenticated;
use crate::iam::public_url;
use crate::{lookup, AppState};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::ResourceKind;
use switchboard_engine::ResourceSnapshot;
use switchboard_identity::Principal;

/// A flavor as BMS shows it; sizes in vCPUs, MiB and GiB.
#[derive(Debug, Clone, PartialEq)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub vcpus: i64,
    pub ram: i64,
    pub disk: i64,
    /// Availability zones of the servers that use it.
    pub zones: Vec<String>,
}

/// The flavors the caller's project sees (the inventory's `[[flavors]]` and those derived from
/// what servers name, as Nova lists them), each with the zones of the servers that use it.
pub fn list(state: &AppState, who: &Principal) -> Vec<Flavor> {
    let Some(project) = who.project_id.as_deref() else {
        return Vec::new();
    };
    // Each server's flavor is resolved once: flavor → zones of the servers that use it.
    let mut zones: HashMap<String, Vec<String>> = HashMap::new();
    for s in lookup::owned_all(state, who, ResourceKind::Server) {
        if let Some(f) = crate::flavor::of_server(state, &s) {
            let list = zones.entry(f.id).or_default();
            let zone = zone(&s);
            if !list.contains(&zone) {
                list.push(zone);
            }
        }
    }
    crate::flavor::list(state, project)
        .into_iter()
        .map(|f| {
            let used = zones.remove(&f.id).unwrap_or_default();
            from_spec(f, used)
        })
        .collect()
}

/// The flavor `server` names (derived when the inventory declares none).
pub fn of_server(state: &AppState, server: &ResourceSnapshot) -> Flavor {
    let zones = vec![zone(server)];
    match crate::flavor::of_server(state, server) {
        Some(f) => from_spec(f, zones),
        None => from_spec(
            crate::flavor::Flavor::derived("", &server.spec.project_id),
            zones,
        ),
    }
}

fn from_spec(f: crate::flavor::Flavor, zones: Vec<String>) -> Flavor {
    Flavor {
        id: f.id,
        name: f.name,
        vcpus: i64::from(f.vcpus),
        ram: i64::try_from(f.ram).unwrap_or(i64::MAX),
        disk: i64::try_from(f.disk).unwrap_or(i64::MAX),
        zones,
    }
}

fn zone(s: &ResourceSnapshot) -> String {
    s.spec
        .attrs
        .get("availability_zone")
        .and_then(Value::as_str)
        .unwrap_or("nova")
        .to_string()
}

/// `{"flavors": [FlavorsResp]}`, only those offered in `availability_zone` when it is given.
#[utoipa::path(
    get,
    path = "/v1/{project_id}/baremetalservers/flavors",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsFlavors),
        crate::openapi::BmsRead,
    )
)]
pub async fn list_flavors(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:flavors:list")?;
    if !lookup::same_project(&who, &project_id) {
        return Err(tenant_mismatch());
    }
    let base = public_url(&state, &headers);
    let zone = q.get("availability_zone").filter(|z| !z.is_empty());
    let flavors: Vec<Value> = list(&state, &who)
        .into_iter()
        .filter(|f| zone.is_none_or(|z| f.zones.contains(z)))
        .map(|f| {
            let az: Vec<String> = f.zones.iter().map(|z| format!("{z}(normal)")).collect();
            json!({
                "id": f.id, "name": f.name, "vcpus": f.vcpus.to_string(), "ram": f.ram,
                "disk": f.disk.to_string(), "swap": "", "OS-FLV-EXT-DATA:ephemeral": 0,
                "OS-FLV-DISABLED:disabled": false, "rxtx_factor": 1.0, "rxtx_quota": "",
                "rxtx_cap": "", "os-flavor-access:is_public": true,
                "links": [
                    {"rel": "self", "href": format!("{base}/v1/{project_id}/baremetalservers/flavors/{}", f.id), "type": ""},
                    {"rel": "bookmark", "href": format!("{base}/{project_id}/flavors/{}", f.id), "type": ""},
                ],
                "os_extra_specs": {
                    "resource_type": "ironic", "capabilities:cpu_arch": "x86_64",
                    "capabilities:hypervisor_type": "ironic", "baremetal:__support_evs": "true",
                    "cond:operation:status": "normal", "cond:operation:az": az.join(","),
                },
            })
        })
        .collect();
    Ok(Json(json!({ "flavors": flavors })))
}
