//! `GET /v2.1/{project_id}/servers[/detail]`: Nova's filters, sorting, and `limit`/`marker`
//! paging with a `servers_links` next link when a page is full.

use super::filters::{self, Facts, Filter};
use super::query::{self, Params};
use super::render::{compute_base, is_admin, StatusFilter};
use super::schema;
use super::view::{self, Context, View};
use super::{check_project, with_compute_headers, Microversion, NovaError};
use crate::admin_scope::AdminScope;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::cmp::Ordering;
use switchboard_core::ResourceKind;
use switchboard_identity::Principal;

/// Nova's `[api] max_limit`: the largest page.
pub const MAX_LIMIT: usize = 1000;

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        crate::openapi::queries::NovaServerQuery,
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaServers),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_servers(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    p: Params,
) -> Response {
    let r = list(&state, &who, version, &headers, &project_id, p, false).await;
    answer(r, &version)
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/detail",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        crate::openapi::queries::NovaServerQuery,
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaServers),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_servers_detail(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    p: Params,
) -> Response {
    let r = list(&state, &who, version, &headers, &project_id, p, true).await;
    answer(r, &version)
}

fn answer(r: Result<Value, NovaError>, version: &Microversion) -> Response {
    let response = match r {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    };
    with_compute_headers(response, version)
}

async fn list(
    state: &AppState,
    who: &Principal,
    version: Microversion,
    headers: &HeaderMap,
    project_id: &str,
    p: Params,
    detail: bool,
) -> Result<Value, NovaError> {
    NovaError::permit(who, "nova:server:list")?;
    check_project(who, project_id)?;
    schema::validate(version, &p)?;
    let admin = is_admin(who);
    let opts = schema::search_options(version, admin, &p)?;
    let mut filters = Vec::new();
    if p.has("status") {
        match StatusFilter::parse(&p.all("status")) {
            Some(f) => filters.push(Filter::Status(f)),
            None if version.at_least(38) => {
                return Err(NovaError::bad_request("Invalid status value"))
            }
            None => return Ok(json!({"servers": []})),
        }
    }
    let since = opts.iter().find(|(k, _)| k == "changes-since");
    let before = opts.iter().find(|(k, _)| k == "changes-before");
    if let (Some((ks, s)), Some((kb, b))) = (since, before) {
        if query::datetime(kb, b)? < query::datetime(ks, s)? {
            return Err(NovaError::bad_request(
                "The value of changes-since must be less than or equal to changes-before.",
            ));
        }
    }
    let all_tenants = match opts.iter().find(|(k, _)| k == "all_tenants") {
        None => false,
        Some((_, x)) if x.is_empty() => true,
        Some((_, x)) => query::strict_bool(x).ok_or_else(|| {
            NovaError::bad_request(format!("Invalid input received: {}", query::not_bool(x)))
        })?,
    };
    let opts: Vec<(String, String)> = opts
        .into_iter()
        // Without all_tenants the project is the token's, whatever the query says.
        .filter(|(k, _)| all_tenants || !matches!(k.as_str(), "tenant_id" | "project_id"))
        .collect();
    filters.extend(filters::filters(state, project_id, &opts)?);
    let sort = sort_params(version, admin, &p)?;
    let limit = match p.last("limit") {
        Some(x) => query::non_negative("limit", x)?.min(MAX_LIMIT),
        None => MAX_LIMIT,
    };

    // Every server the caller may list, sorted; the marker is found among them.
    let projects: Option<AdminScope> = if all_tenants {
        if !admin {
            let which = if detail { "detail" } else { "index" };
            return Err(NovaError::new(
                StatusCode::FORBIDDEN,
                format!("Policy doesn't allow os_compute_api:servers:{which}:get_all_tenants to be performed."),
            ));
        }
        Some(
            AdminScope::of(state.store.as_ref(), who)
                .await
                .map_err(NovaError::internal)?,
        )
    } else {
        None
    };
    let servers: Vec<_> = match &projects {
        // Administrators across projects: every server, then their scope.
        Some(scope) => state
            .engine
            .resources()
            .into_iter()
            .filter(|r| r.spec.kind == ResourceKind::Server)
            .filter(|r| scope.administers(&r.spec.project_id) || r.spec.project_id == project_id)
            .collect(),
        // The project's servers only, from the engine's per-project index.
        None => state
            .engine
            .project_resources(project_id, Some(ResourceKind::Server)),
    };
    let facts: Vec<Facts> = servers
        .iter()
        .enumerate()
        .map(|(i, r)| Facts::of(state, r, i))
        .collect();
    // Each server's sort keys computed once (not per comparison: `created_at` parses a time).
    let mut keyed: Vec<(Vec<Key>, usize)> = facts
        .iter()
        .enumerate()
        .map(|(i, f)| (sort.iter().map(|(k, _)| key_of(f, k)).collect(), i))
        .collect();
    keyed.sort_by(|a, b| compare(&sort, &a.0, &b.0));
    let mut slots: Vec<Option<Facts>> = facts.into_iter().map(Some).collect();
    let facts: Vec<Facts> = keyed
        .into_iter()
        .filter_map(|(_, i)| slots[i].take())
        .collect();
    let start = match p.last("marker") {
        Some(m) => {
            let at = facts.iter().position(|f| f.r.spec.id == m);
            at.ok_or_else(|| NovaError::bad_request(format!("marker [{m}] not found")))? + 1
        }
        None => 0,
    };
    let page: Vec<&Facts> = facts[start..]
        .iter()
        .filter(|f| filters.iter().all(|filter| filter.passes(f)))
        .take(limit)
        .collect();

    let base = compute_base(state, headers);
    let c = Context {
        state,
        who,
        base: &base,
        version,
    };
    let mut items: Vec<Value> = page
        .iter()
        .map(|f| {
            if detail {
                super::server_body::server(&c, f.r, View::Detail)
            } else {
                view::summary(f.r, &base)
            }
        })
        .collect();
    if detail {
        super::metadata::fill(state, &mut items).await?;
    }
    let mut body = json!({ "servers": items });
    if limit > 0 && page.len() == limit {
        let last = &page[limit - 1].r.spec.id;
        let collection = if detail { "servers/detail" } else { "servers" };
        body["servers_links"] =
            json!([{"rel": "next", "href": next_link(&base, project_id, collection, &p, last)}]);
    }
    Ok(body)
}

/// Nova's `_get_next_link`: the request's parameters (last value of each, sorted by name)
/// with `marker` replaced.
fn next_link(base: &str, project: &str, collection: &str, p: &Params, marker: &str) -> String {
    let mut keys: Vec<&str> =
        p.0.iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| *k != "marker")
            .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut pairs: Vec<(&str, &str)> = keys.iter().map(|k| (*k, p.last(k).unwrap_or(""))).collect();
    pairs.push(("marker", marker));
    format!(
        "{base}/v2.1/{project}/{collection}?{}",
        query::urlencode(&pairs)
    )
}

/// Sort keys and directions as Nova's `get_sort_params`, `remove_invalid_sort_keys` and
/// `process_sort_params` make them; `created_at` and `id` close every order.
fn sort_params(v: Microversion, admin: bool, p: &Params) -> Result<Vec<(String, bool)>, NovaError> {
    let mut keys: Vec<String> = p
        .all("sort_key")
        .iter()
        .map(|k| k.trim().to_string())
        .collect();
    let mut dirs: Vec<String> = p
        .all("sort_dir")
        .iter()
        .map(|d| d.trim().to_string())
        .collect();
    let mut i = 0;
    while i < keys.len() {
        if schema::ignored_sort_key(v, &keys[i]) {
            if dirs.len() > i {
                dirs.remove(i);
            }
            keys.remove(i);
            continue;
        }
        if matches!(keys[i].as_str(), "host" | "node") && !admin {
            return Err(NovaError::new(
                StatusCode::FORBIDDEN,
                format!("Only administrators can sort servers by {}", keys[i]),
            ));
        }
        i += 1;
    }
    if keys.is_empty() {
        keys.push("created_at".into());
    }
    let default_dir = dirs.first().cloned().unwrap_or_else(|| "desc".into());
    for d in &dirs {
        if d != "asc" && d != "desc" {
            return Err(NovaError::bad_request(
                "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'",
            ));
        }
    }
    if dirs.len() > keys.len() {
        return Err(NovaError::bad_request(
            "Invalid input received: Sort direction size exceeds sort key size",
        ));
    }
    while dirs.len() < keys.len() {
        dirs.push(default_dir.clone());
    }
    for closing in ["created_at", "id"] {
        if !keys.iter().any(|k| k == closing) {
            keys.push(closing.into());
            dirs.push(default_dir.clone());
        }
    }
    Ok(keys
        .into_iter()
        .zip(dirs.into_iter().map(|d| d == "asc"))
        .collect())
}

/// A sortable value: missing sorts first, as SQL NULLs do in ascending order.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Null,
    Int(i64),
    Text(String),
}

fn key_of(f: &Facts, key: &str) -> Key {
    let text = |s: String| {
        if s.is_empty() {
            Key::Null
        } else {
            Key::Text(s)
        }
    };
    match key {
        "created_at" | "launched_at" => Key::Int(view::created_millis(f.r)),
        "updated_at" => Key::Int(view::updated_millis(f.r)),
        "uuid" => Key::Text(f.r.spec.id.clone()),
        "id" => Key::Int(f.index as i64),
        "display_name" => Key::Text(f.r.spec.name.clone()),
        "display_description" => text(f.attr("description")),
        "vm_state" => Key::Text(f.nova.vm_state.into()),
        "task_state" => f.nova.task_state.map_or(Key::Null, |t| Key::Text(t.into())),
        "power_state" => Key::Int(f.nova.power_state.into()),
        "project_id" => Key::Text(f.r.spec.project_id.clone()),
        "image_ref" => text(f.attr("image")),
        "instance_type_id" => text(f.flavor.clone()),
        "host" | "node" => Key::Text(f.host()),
        "hostname" => text(f.attr("hostname")),
        "locked" => Key::Int(i64::from(f.attr("locked") == "true")),
        "availability_zone" => Key::Text(f.zone()),
        "key_name" | "user_id" | "config_drive" | "access_ip_v4" | "access_ip_v6" => {
            text(f.attr(key))
        }
        _ => Key::Null,
    }
}

fn compare(sort: &[(String, bool)], a: &[Key], b: &[Key]) -> Ordering {
    sort.iter()
        .zip(a.iter().zip(b))
        .map(|((_, asc), (a, b))| {
            let o = a.cmp(b);
            if *asc {
                o
            } else {
                o.reverse()
            }
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}
