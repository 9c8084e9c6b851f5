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

/// The project's flavors, derived from what its servers name (`attrs.flavor`, and their
/// `vcpus`, `ram`, `disk` when the inventory gives them; 0 otherwise).
// TODO(merge): take the flavors from N1's `crate::flavor::list(&AppState, project)` (the
// inventory's `[[flavors]]`) once it is merged; this derivation is the stand-in.
pub fn list(state: &AppState, who: &Principal) -> Vec<Flavor> {
    let mut flavors: Vec<Flavor> = Vec::new();
    for s in lookup::owned_all(state, who, ResourceKind::Server) {
        let f = derived(&s);
        match flavors.iter_mut().find(|x| x.id == f.id) {
            Some(known) => {
                for z in f.zones {
                    if !known.zones.contains(&z) {
                        known.zones.push(z);
                    }
                }
            }
            None => flavors.push(f),
        }
    }
    flavors
}

/// The flavor `server` names.
pub fn of_server(state: &AppState, who: &Principal, server: &ResourceSnapshot) -> Flavor {
    let id = derived(server).id;
    list(state, who)
        .into_iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| derived(server))
}

fn derived(s: &ResourceSnapshot) -> Flavor {
    let a = &s.spec.attrs;
    let id = a
        .get("flavor")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let int = |k: &str| a.get(k).and_then(Value::as_i64).unwrap_or(0);
    let zone = a
        .get("availability_zone")
        .and_then(Value::as_str)
        .unwrap_or("nova");
    Flavor {
        name: id.clone(),
        id,
        vcpus: int("vcpus"),
        ram: int("ram"),
        disk: int("disk"),
        zones: vec![zone.to_string()],
    }
}

/// `{"flavors": [FlavorsResp]}`, only those offered in `availability_zone` when it is given.
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
