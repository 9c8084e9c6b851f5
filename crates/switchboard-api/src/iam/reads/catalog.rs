//! The service catalog as Keystone's resources: `GET /v3/auth/catalog`, `/v3/services`,
//! `/v3/endpoints` and `/v3/regions` (and each by id). Services and endpoints are for
//! administrators (Keystone's default policy); regions for anyone authenticated.

use super::{administrator, collection, filtered, Caller};
use crate::iam::render::catalog;
use crate::iam::KeystoneError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;
/// The one region every endpoint is in.
const REGION: &str = "local-1";

/// `GET /v3/auth/catalog`: the catalog of the caller's project; a token without one has none.
#[utoipa::path(
    get,
    path = "/v3/auth/catalog",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneCatalog),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn auth_catalog(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> Result<Json<Value>, KeystoneError> {
    let project = who.project_id.as_deref().ok_or_else(|| {
        KeystoneError::forbidden("A project-scoped token is required to produce a service catalog.")
    })?;
    let base = crate::prefix::base(&state, &headers);
    let mut body = collection(&base, "auth/catalog", "catalog", Vec::new());
    body["catalog"] = catalog(&state, &headers, project);
    Ok(Json(body))
}

/// The catalog's entries with Keystone's URL template for the project.
fn entries(state: &AppState, headers: &HeaderMap) -> Vec<Value> {
    match catalog(state, headers, "$(project_id)s") {
        Value::Array(list) => list,
        _ => Vec::new(),
    }
}

fn services(state: &AppState, headers: &HeaderMap, base: &str) -> Vec<Value> {
    entries(state, headers)
        .iter()
        .map(|e| {
            json!({"id": e["id"], "type": e["type"], "name": e["name"], "enabled": true,
                   "description": "", "links": {"self": format!("{base}/v3/services/{}", e["id"].as_str().unwrap_or_default())}})
        })
        .collect()
}

fn endpoints(state: &AppState, headers: &HeaderMap, base: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for e in entries(state, headers) {
        for ep in e["endpoints"].as_array().into_iter().flatten() {
            let id = ep["id"].as_str().unwrap_or_default();
            out.push(json!({
                "id": id, "interface": ep["interface"], "region": ep["region"],
                "region_id": ep["region_id"], "service_id": e["id"], "url": ep["url"],
                "enabled": true, "links": {"self": format!("{base}/v3/endpoints/{id}")},
            }));
        }
    }
    out
}

fn region(base: &str) -> Value {
    json!({"id": REGION, "description": "", "parent_region_id": null,
           "links": {"self": format!("{base}/v3/regions/{REGION}")}})
}

/// The item of `items` whose `id` is `id`, or Keystone's 404 for a `kind`.
fn one(items: Vec<Value>, id: &str, kind: &str) -> Result<Value, KeystoneError> {
    items
        .into_iter()
        .find(|i| i["id"] == id)
        .ok_or_else(|| KeystoneError::not_found(format!("Could not find {kind}: {id}.")))
}

/// `GET /v3/services` (administrators): one per catalog entry.
#[utoipa::path(
    get,
    path = "/v3/services",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneServices),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_services(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Params,
) -> Result<Json<Value>, KeystoneError> {
    administrator(&state, &who, "identity:list_services").await?;
    let base = crate::prefix::base(&state, &headers);
    let items = filtered(
        services(&state, &headers, &base),
        &query,
        &["type", "name", "enabled"],
    );
    Ok(Json(collection(&base, "services", "services", items)))
}

/// `GET /v3/services/{id}` (administrators).
#[utoipa::path(
    get,
    path = "/v3/services/{service_id}",
    tag = "Keystone",
    params(
        ("service_id" = String, Path, description = "Catalog service id", example = "identity-svc"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneService),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_service(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    administrator(&state, &who, "identity:get_service").await?;
    let base = crate::prefix::base(&state, &headers);
    let service = one(services(&state, &headers, &base), &id, "service")?;
    Ok(Json(json!({ "service": service })))
}

/// `GET /v3/endpoints` (administrators), with the `$(project_id)s` template.
#[utoipa::path(
    get,
    path = "/v3/endpoints",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneEndpoints),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_endpoints(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Params,
) -> Result<Json<Value>, KeystoneError> {
    administrator(&state, &who, "identity:list_endpoints").await?;
    let base = crate::prefix::base(&state, &headers);
    let filters = ["interface", "service_id", "region_id", "enabled"];
    let items = filtered(endpoints(&state, &headers, &base), &query, &filters);
    Ok(Json(collection(&base, "endpoints", "endpoints", items)))
}

/// `GET /v3/endpoints/{id}` (administrators).
#[utoipa::path(
    get,
    path = "/v3/endpoints/{endpoint_id}",
    tag = "Keystone",
    params(
        ("endpoint_id" = String, Path, description = "Catalog endpoint id", example = "identity-public"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneEndpoint),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_endpoint(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    administrator(&state, &who, "identity:get_endpoint").await?;
    let base = crate::prefix::base(&state, &headers);
    let endpoint = one(endpoints(&state, &headers, &base), &id, "endpoint")?;
    Ok(Json(json!({ "endpoint": endpoint })))
}

/// `GET /v3/regions`: the one region, for any caller.
#[utoipa::path(
    get,
    path = "/v3/regions",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneRegions),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_regions(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
    Query(query): Params,
) -> Json<Value> {
    let base = crate::prefix::base(&state, &headers);
    let items = filtered(vec![region(&base)], &query, &["parent_region_id"]);
    Json(collection(&base, "regions", "regions", items))
}

/// `GET /v3/regions/{id}`.
#[utoipa::path(
    get,
    path = "/v3/regions/{region_id}",
    tag = "Keystone",
    params(
        ("region_id" = String, Path, description = "Region id", example = "local-1"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneRegion),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_region(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    Ok(Json(
        json!({ "region": one(vec![region(&base)], &id, "region")? }),
    ))
}
