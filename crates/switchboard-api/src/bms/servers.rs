//! BMS v1 reads of servers: `GET /v1/{project_id}/baremetalservers/{server_id}`
//! (`ListBareMetalServerDetails`), `GET /v1/{project_id}/baremetalservers/detail`
//! (`ListBareMetalServers`) and `GET /v1.1/{project_id}/baremetalservers/detail`
//! (`ListBareMetalServersDetail`). Bodies are Nova's (same status mapping), with BMS's flavor
//! object and extensions.

use super::flavors::{self, Flavor};
use super::{tenant_mismatch, BmsError};
use crate::auth::Authenticated;
use crate::iam::public_url;
use crate::nova::render::NovaState;
use crate::nova::server_body;
use crate::nova::view::{Context, View};
use crate::nova::Microversion;
use crate::{lookup, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::ResourceKind;
use switchboard_engine::ResourceSnapshot;
use switchboard_identity::Principal;

type Params = Query<HashMap<String, String>>;

/// The tag every bare-metal server carries (the `tags` filter's documented value).
const BAREMETAL_TAG: &str = "__type_baremetal";
/// Statuses the `status` filter takes (DELETED is for administrators and matches nothing here).
const STATUSES: [&str; 8] = [
    "ACTIVE",
    "BUILD",
    "ERROR",
    "HARD_REBOOT",
    "REBOOT",
    "REBUILD",
    "SHUTOFF",
    "DELETED",
];

fn invalid(what: impl std::fmt::Display) -> BmsError {
    BmsError::bad("BMS.0018", format!("Invalid parameter: {what}"))
}

fn check_project(who: &Principal, project_id: &str) -> Result<(), BmsError> {
    if lookup::same_project(who, project_id) {
        Ok(())
    } else {
        Err(tenant_mismatch())
    }
}

fn text<'a>(r: &'a ResourceSnapshot, key: &str, default: &'a str) -> &'a str {
    r.spec
        .attrs
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
}

fn tags(r: &ResourceSnapshot) -> Vec<String> {
    let mut tags: Vec<String> = r
        .spec
        .attrs
        .get("tags")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if !tags.iter().any(|t| t == BAREMETAL_TAG) {
        tags.push(BAREMETAL_TAG.into());
    }
    tags
}

/// BMS shows Nova's server as of microversion 2.26 (tags, no embedded flavor).
fn bms_view<'a>(state: &'a AppState, who: &'a Principal, base: &'a str) -> Context<'a> {
    Context {
        state,
        who,
        base,
        version: Microversion((2, 26)),
    }
}

/// The full `ServerDetails` body: Nova's server with BMS's flavor and fields.
fn details(c: &Context, r: &ResourceSnapshot, flavor: &Flavor) -> Value {
    let mut s = server_body::server(c, r, View::Show);
    s["flavor"] = json!({
        "id": flavor.id, "name": flavor.name, "disk": flavor.disk.to_string(),
        "vcpus": flavor.vcpus.to_string(), "ram": flavor.ram.to_string(),
    });
    s["tags"] = json!(tags(r));
    s["enterprise_project_id"] = json!(text(r, "enterprise_project_id", "0"));
    s["OS-EXT-SRV-ATTR:hostname"] = json!(r.spec.name);
    s["OS-EXT-SRV-ATTR:reservation_id"] = json!(text(r, "reservation_id", ""));
    s["OS-EXT-SRV-ATTR:launch_index"] = json!(0);
    s["OS-EXT-SRV-ATTR:kernel_id"] = json!("");
    s["OS-EXT-SRV-ATTR:ramdisk_id"] = json!("");
    s["OS-EXT-SRV-ATTR:root_device_name"] = json!("/dev/sda");
    s["OS-EXT-SRV-ATTR:user_data"] = json!("");
    s["os:scheduler_hints"] = json!({});
    s["sys_tags"] = json!([]);
    s
}

/// One `ServerListDetails` entry of the v1.1 list.
fn list_entry(r: &ResourceSnapshot, flavor: &Flavor) -> Value {
    let nova = NovaState::of(r.state);
    let created = text(r, "created", "2024-01-01T00:00:00Z");
    let mut e = json!({
        "id": r.spec.id, "user_id": text(r, "user_id", ""), "name": r.spec.name,
        "created": created, "updated": created, "tenant_id": r.spec.project_id,
        "flavor": {"id": flavor.id, "name": flavor.name, "disk": flavor.disk,
                   "vcpus": flavor.vcpus, "ram": flavor.ram},
        "status": nova.status(), "task_state": nova.task_state, "vm_state": nova.vm_state,
        "availability_zone": text(r, "availability_zone", "nova"), "in_recycle_bin": false,
    });
    if nova.vm_state == "error" {
        e["fault"] = json!({"code": 500, "message": r.last_error.clone().unwrap_or_else(|| "the last operation failed".into()), "details": r.last_error});
    }
    e
}

#[utoipa::path(
    get,
    path = "/v1/{project_id}/baremetalservers/{server_id}",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsServer),
        crate::openapi::BmsRead,
    )
)]
pub async fn show_server(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    headers: HeaderMap,
    Path((project_id, server_id)): Path<(String, String)>,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:servers:get")?;
    check_project(&who, &project_id)?;
    let server =
        lookup::owned(&state, &who, ResourceKind::Server, &server_id).ok_or_else(|| {
            BmsError::new(
                StatusCode::NOT_FOUND,
                "BMS.0040",
                format!("The server does not exist: {server_id}"),
            )
        })?;
    let flavor = flavors::of_server(&state, &server);
    let base = public_url(&state, &headers);
    let c = bms_view(&state, &who, &base);
    Ok(Json(json!({"server": details(&c, &server, &flavor)})))
}

/// The caller's servers that pass the filters, and the page asked for.
struct Page {
    servers: Vec<ResourceSnapshot>,
    total: usize,
}

fn select(
    state: &AppState,
    who: &Principal,
    q: &HashMap<String, String>,
) -> Result<Page, BmsError> {
    let int = |k: &str| -> Result<Option<i64>, BmsError> {
        q.get(k)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| invalid(format!("{k} must be an integer, not {v:?}")))
            })
            .transpose()
    };
    let (limit, offset, detail) = (int("limit")?, int("offset")?, int("detail")?);
    if limit.is_some_and(|l| !(1..=1000).contains(&l)) {
        return Err(invalid("limit must be 1 to 1000"));
    }
    if offset.is_some_and(|o| o < 1) {
        return Err(invalid("offset is a page number, from 1"));
    }
    if detail.is_some_and(|d| !(1..=4).contains(&d)) {
        return Err(invalid("detail must be 1, 2, 3 or 4"));
    }
    if let Some(s) = q.get("status") {
        if !STATUSES.contains(&s.as_str()) {
            return Err(invalid(format!(
                "status {s:?} is not one of {}",
                STATUSES.join(", ")
            )));
        }
    }
    let wanted = |k: &str| q.get(k).map(String::as_str);
    let matching: Vec<ResourceSnapshot> = lookup::owned_all(state, who, ResourceKind::Server)
        .into_iter()
        .filter(|r| {
            // Like ECS, `name` matches any part of the name.
            wanted("name").is_none_or(|n| r.spec.name.contains(n))
                && wanted("status").is_none_or(|s| NovaState::of(r.state).status() == s)
                && wanted("flavor").is_none_or(|f| text(r, "flavor", "") == f)
                && wanted("tags").is_none_or(|t| tags(r).iter().any(|x| x == t))
                && wanted("reservation_id").is_none_or(|id| text(r, "reservation_id", "") == id)
                && wanted("enterprise_project_id").is_none_or(|e| {
                    e == "all_granted_eps" || text(r, "enterprise_project_id", "0") == e
                })
        })
        .collect();
    let total = matching.len();
    // With `offset` (a page number) pages are `limit` long, 1000 by default; without it the
    // first `limit` servers, 25 by default.
    let (size, page) = match offset {
        Some(page) => (limit.unwrap_or(1000), page),
        None => (limit.unwrap_or(25), 1),
    };
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let servers = matching
        .into_iter()
        .skip(skip)
        .take(size as usize)
        .collect();
    Ok(Page { servers, total })
}

/// `{"servers": [ServerDetails], "count": <matching servers>}`.
#[utoipa::path(
    get,
    path = "/v1/{project_id}/baremetalservers/detail",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        crate::openapi::queries::BmsServerQuery,
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsServers),
        crate::openapi::BmsRead,
    )
)]
pub async fn list_servers(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Query(q): Params,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:servers:list")?;
    check_project(&who, &project_id)?;
    let page = select(&state, &who, &q)?;
    let base = public_url(&state, &headers);
    let c = bms_view(&state, &who, &base);
    let servers: Vec<Value> = page
        .servers
        .iter()
        .map(|s| details(&c, s, &flavors::of_server(&state, s)))
        .collect();
    Ok(Json(json!({"servers": servers, "count": page.total})))
}

/// v1.1: `{"servers": [ServerListDetails]}`, the same filters but for tags, reservation and
/// enterprise project.
#[utoipa::path(
    get,
    path = "/v1.1/{project_id}/baremetalservers/detail",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        crate::openapi::queries::BmsServerQuery,
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsServers),
        crate::openapi::BmsRead,
    )
)]
pub async fn list_servers_v11(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(mut q): Params,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:servers:list")?;
    check_project(&who, &project_id)?;
    for k in ["tags", "reservation_id", "enterprise_project_id"] {
        q.remove(k);
    }
    let page = select(&state, &who, &q)?;
    let servers: Vec<Value> = page
        .servers
        .iter()
        .map(|s| list_entry(s, &flavors::of_server(&state, s)))
        .collect();
    Ok(Json(json!({ "servers": servers })))
}
