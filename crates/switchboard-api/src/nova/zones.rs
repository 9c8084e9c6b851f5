//! `GET /v2.1/{project_id}/os-availability-zone[/detail]`: zones are the servers'
//! `availability_zone` (the region's, as in Nova), hosts their `host`.

use super::{check_project, reply, Microversion, NovaError};
use crate::admin_scope::AdminScope;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use switchboard_core::now_millis;

/// Zone → hosts of every server (zones are the region's, as in Nova, not one project's); a
/// host is shown only when `hosts_of` holds for its server's project. Read from the engine's
/// zone index: the cost is the zones' hosts, not the servers.
fn zones(state: &AppState, hosts_of: impl Fn(&str) -> bool) -> BTreeMap<String, Vec<String>> {
    let mut zones: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for z in state.engine.availability_zones(hosts_of) {
        let hosts = zones
            .entry(z.zone.unwrap_or_else(|| "nova".into()))
            .or_default();
        for host in z.hosts {
            let host = host.unwrap_or_else(|| super::view::DEFAULT_HOST.into());
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
    }
    zones
}

async fn zone_list(
    state: AppState,
    who: switchboard_identity::Principal,
    version: Microversion,
    project_id: String,
    detail: bool,
) -> Response {
    let action = if detail {
        "nova:availabilityZone:detail"
    } else {
        "nova:availabilityZone:list"
    };
    let result = async {
        NovaError::permit(&who, action)?;
        check_project(&who, &project_id)?;
        // Hosts are shown for the servers of the projects the caller administers only.
        let scope = match detail {
            true => Some(
                AdminScope::of(state.store.as_ref(), &who)
                    .await
                    .map_err(NovaError::internal)?,
            ),
            false => None,
        };
        let hosts_of =
            |p: &str| p == project_id || scope.as_ref().is_some_and(|s| s.administers(p));
        {
            let updated = super::actions_view::nova_time(now_millis());
            let service = json!({"available": true, "active": true, "updated_at": updated});
            let mut info: Vec<Value> = zones(&state, hosts_of)
                .into_iter()
                .map(|(zone, hosts)| {
                    let hosts: Value = if detail {
                        hosts
                            .into_iter()
                            .map(|h| (h, json!({"nova-compute": service})))
                            .collect::<Map<_, _>>()
                            .into()
                    } else {
                        Value::Null
                    };
                    json!({"zoneName": zone, "zoneState": {"available": true}, "hosts": hosts})
                })
                .collect();
            if detail {
                // Nova lists its control services in the `internal` zone.
                info.push(json!({"zoneName": "internal", "zoneState": {"available": true},
                    "hosts": {"switchboard": {"nova-conductor": service, "nova-scheduler": service}}}));
            }
            Ok(Json(json!({"availabilityZoneInfo": info})).into_response())
        }
    }
    .await;
    reply(result, &version)
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/os-availability-zone",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaZones),
        crate::openapi::NovaRead,
    )
)]
pub async fn availability_zones(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path(project_id): Path<String>,
) -> Response {
    zone_list(state, who, version, project_id, false).await
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/os-availability-zone/detail",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaZones),
        crate::openapi::NovaRead,
    )
)]
pub async fn availability_zones_detail(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path(project_id): Path<String>,
) -> Response {
    zone_list(state, who, version, project_id, true).await
}
