//! `GET /v2.1/{project_id}/flavors[/detail]`: Nova's `_get_flavors` filters, one sort key, and
//! `limit`/`marker` paging with `flavors_links`.

use super::flavors::{answer, render, seen_by};
use super::query::{self, Params};
use super::render::{compute_base, is_admin};
use super::{check_project, Microversion, NovaError};
use crate::auth::Authenticated;
use crate::flavor::Flavor;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};
use std::cmp::Ordering;
use switchboard_identity::Principal;

const SORT_KEYS: &[&str] = &[
    "created_at",
    "description",
    "disabled",
    "ephemeral_gb",
    "flavorid",
    "id",
    "is_public",
    "memory_mb",
    "name",
    "root_gb",
    "rxtx_factor",
    "swap",
    "updated_at",
    "vcpu_weight",
    "vcpus",
];

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/flavors",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        crate::openapi::queries::NovaPageQuery,
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaFlavors),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_flavors(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    p: Params,
) -> Response {
    answer(
        list(&state, &who, version, &headers, &project_id, &p, false).await,
        &version,
    )
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/flavors/detail",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        crate::openapi::queries::NovaPageQuery,
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaFlavors),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_flavors_detail(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    p: Params,
) -> Response {
    answer(
        list(&state, &who, version, &headers, &project_id, &p, true).await,
        &version,
    )
}

/// Nova's `_get_flavors`: `is_public` (administrators only; `None` means all), `minRam`,
/// `minDisk`, `name` (2.102, a regular expression), one sort key, `limit`/`marker`.
async fn list(
    state: &AppState,
    who: &Principal,
    v: Microversion,
    headers: &HeaderMap,
    project: &str,
    p: &Params,
    detail: bool,
) -> Result<Value, NovaError> {
    NovaError::permit(who, "nova:flavor:list")?;
    check_project(who, project)?;
    let mut known = vec![
        "limit",
        "marker",
        "is_public",
        "minRam",
        "minDisk",
        "sort_key",
        "sort_dir",
    ];
    if v.at_least(102) {
        known.push("name");
    }
    if v.at_least(75) {
        p.only(&known)?;
    }
    p.each("limit", |k, x| query::non_negative(k, x).map(drop))?;
    let mut sort_keys = SORT_KEYS.to_vec();
    if v.at_least(102) {
        sort_keys.retain(|k| *k != "rxtx_factor");
    }
    let one_of = |valid: &[&str]| {
        let list: Vec<String> = valid.iter().map(|s| query::repr(s)).collect();
        format!("[{}]", list.join(", "))
    };
    p.each("sort_key", |k, x| match sort_keys.contains(&x) {
        true => Ok(()),
        false => Err(query::invalid(
            k,
            x,
            format!("{} is not one of {}", query::repr(x), one_of(&sort_keys)),
        )),
    })?;
    p.each("sort_dir", |k, x| match x {
        "asc" | "desc" => Ok(()),
        _ => Err(query::invalid(
            k,
            x,
            format!("{} is not one of ['asc', 'desc']", query::repr(x)),
        )),
    })?;
    let name = match p.last("name").filter(|_| v.at_least(102)) {
        Some(x) => Some(query::regex("name", x)?),
        None => None,
    };
    // `Some(b)`: public (with those shared with the project) or private; `None`: all.
    let is_public = match p.last("is_public").filter(|_| is_admin(who)) {
        None => Some(true),
        Some(x) if query::is_none_string(x) => None,
        Some(x) => Some(
            query::strict_bool(x)
                .ok_or_else(|| NovaError::bad_request(format!("Invalid is_public filter [{x}]")))?,
        ),
    };
    let min = |key: &str| -> Result<Option<u64>, NovaError> {
        p.last(key)
            .map(|x| {
                x.trim()
                    .parse::<i64>()
                    .map(|n| n.max(0) as u64)
                    .map_err(|_| NovaError::bad_request(format!("Invalid {key} filter [{x}]")))
            })
            .transpose()
    };
    let (min_ram, min_disk) = (min("minRam")?, min("minDisk")?);
    let limit = match p.last("limit") {
        Some(x) => query::non_negative("limit", x)?.min(super::list::MAX_LIMIT),
        None => super::list::MAX_LIMIT,
    };
    let key = p
        .last("sort_key")
        .filter(|k| !k.is_empty())
        .unwrap_or("flavorid");
    let asc = p
        .last("sort_dir")
        .filter(|d| !d.is_empty())
        .unwrap_or("asc")
        == "asc";

    let mut flavors = seen_by(state, who, project).await?;
    flavors.sort_by(|a, b| {
        let o = compare(key, a, b).then_with(|| a.id.cmp(&b.id));
        if asc {
            o
        } else {
            o.reverse()
        }
    });
    let start = match p.last("marker") {
        Some(m) => {
            let at = flavors.iter().position(|f| f.id == m);
            at.ok_or_else(|| NovaError::bad_request(format!("marker [{m}] not found")))? + 1
        }
        None => 0,
    };
    let page: Vec<&Flavor> = flavors[start..]
        .iter()
        .filter(|f| match is_public {
            Some(true) => f.visible_to(project),
            Some(false) => !f.is_public,
            None => true,
        })
        .filter(|f| min_ram.is_none_or(|m| f.ram >= m) && min_disk.is_none_or(|m| f.disk >= m))
        .filter(|f| name.as_ref().is_none_or(|re| re.is_match(&f.name)))
        .take(limit)
        .collect();
    let base = compute_base(state, headers);
    let items: Vec<Value> = page
        .iter()
        .map(|f| render(f, &base, project, v, detail))
        .collect();
    let mut body = json!({ "flavors": items });
    if limit > 0 && page.len() == limit {
        let mut keys: Vec<&str> =
            p.0.iter()
                .map(|(k, _)| k.as_str())
                .filter(|k| *k != "marker")
                .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut pairs: Vec<(&str, &str)> =
            keys.iter().map(|k| (*k, p.last(k).unwrap_or(""))).collect();
        pairs.push(("marker", &page[limit - 1].id));
        let collection = if detail { "flavors/detail" } else { "flavors" };
        body["flavors_links"] = json!([{"rel": "next",
            "href": format!("{base}/v2.1/{project}/{collection}?{}", query::urlencode(&pairs))}]);
    }
    Ok(body)
}

fn compare(key: &str, a: &Flavor, b: &Flavor) -> Ordering {
    match key {
        "name" => a.name.cmp(&b.name),
        "memory_mb" => a.ram.cmp(&b.ram),
        "root_gb" => a.disk.cmp(&b.disk),
        "ephemeral_gb" => a.ephemeral.cmp(&b.ephemeral),
        "swap" => a.swap.cmp(&b.swap),
        "vcpus" => a.vcpus.cmp(&b.vcpus),
        "is_public" => a.is_public.cmp(&b.is_public),
        "description" => a.description.cmp(&b.description),
        "rxtx_factor" => a.rxtx_factor.total_cmp(&b.rxtx_factor),
        _ => a.id.cmp(&b.id),
    }
}
