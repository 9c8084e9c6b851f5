//! Projects and domains: `GET /v3/projects/{id}`, `/v3/auth/projects`, `/v3/auth/domains`,
//! `/v3/auth/system`, `/v3/users/{id}/projects`, `/v3/domains` and `/v3/domains/{id}`.

use super::{administrator, collection, filtered, paged, Caller};
use crate::admin_scope::{AdminScope, Target};
use crate::iam::KeystoneError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_identity::Principal;
use switchboard_store::{DomainRecord, ProjectRecord};

type Params = Query<HashMap<String, String>>;
/// Keystone's project list filters.
pub const PROJECT_FILTERS: &[&str] = &["name", "enabled", "domain_id", "parent_id", "is_domain"];

/// A project in Keystone's body.
pub fn project(base: &str, p: &ProjectRecord) -> Value {
    json!({
        "id": p.id, "name": p.name, "domain_id": p.domain_id, "parent_id": p.domain_id,
        "description": "", "enabled": true, "is_domain": false, "tags": [], "options": {},
        "links": {"self": format!("{base}/v3/projects/{}", p.id)},
    })
}

fn domain(base: &str, d: &DomainRecord) -> Value {
    json!({
        "id": d.id, "name": d.name, "description": "", "enabled": true, "tags": [], "options": {},
        "links": {"self": format!("{base}/v3/domains/{}", d.id)},
    })
}

/// The projects `who` may see: its own, and those it administers.
async fn visible_projects(
    state: &AppState,
    who: &Principal,
) -> Result<Vec<ProjectRecord>, KeystoneError> {
    let scope = AdminScope::of(state.store.as_ref(), who).await?;
    let own = state.store.projects_of_user(&who.user_id).await?;
    if scope.projects().is_some_and(|p| p.is_empty()) {
        return Ok(own);
    }
    let mut all = state.store.projects().await?;
    all.retain(|p| scope.administers(&p.id) || own.iter().any(|o| o.id == p.id));
    Ok(all)
}

/// `GET /v3/projects/{id}`: one the caller sees, else 404 as for an unknown id.
#[utoipa::path(
    get,
    path = "/v3/projects/{project_id}",
    tag = "Keystone",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneProject),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_project(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    let found = visible_projects(&state, &who)
        .await?
        .into_iter()
        .find(|p| p.id == id);
    let p =
        found.ok_or_else(|| KeystoneError::not_found(format!("Could not find project: {id}.")))?;
    Ok(Json(json!({ "project": project(&base, &p) })))
}

/// `GET /v3/auth/projects`: the projects the caller can scope a token to.
#[utoipa::path(
    get,
    path = "/v3/auth/projects",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneProjects),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn auth_projects(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Params,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    let own = state.store.projects_of_user(&who.user_id).await?;
    let items = own.iter().map(|p| project(&base, p)).collect();
    let items = filtered(items, &query, PROJECT_FILTERS);
    Ok(Json(paged(
        &base,
        "auth/projects",
        "projects",
        items,
        &query,
    )?))
}

/// `GET /v3/users/{id}/projects`: the caller's own, or a user's an administrator sees (only
/// the projects it administers); any other user reads like an unknown one.
#[utoipa::path(
    get,
    path = "/v3/users/{user_id}/projects",
    tag = "Keystone",
    params(
        ("user_id" = String, Path, description = "User id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneProjects),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn user_projects(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    Query(query): Params,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    let missing = || KeystoneError::not_found(format!("Could not find user: {user_id}."));
    let mut projects = state.store.projects_of_user(&user_id).await?;
    if who.user_id != user_id {
        let scope = AdminScope::of(state.store.as_ref(), &who).await?;
        let target = Target::load(state.store.as_ref(), &user_id)
            .await?
            .ok_or_else(missing)?;
        if !scope.sees(&target) {
            return Err(missing());
        }
        projects.retain(|p| scope.administers(&p.id));
    } else if state.store.user_by_id(&user_id).await?.is_none() {
        return Err(missing());
    }
    let items = projects.iter().map(|p| project(&base, p)).collect();
    let items = filtered(items, &query, PROJECT_FILTERS);
    Ok(Json(paged(
        &base,
        &format!("users/{user_id}/projects"),
        "projects",
        items,
        &query,
    )?))
}

/// The domains `who` may see: its own user's, and those of the projects it sees.
async fn visible_domains(
    state: &AppState,
    who: &Principal,
) -> Result<Vec<DomainRecord>, KeystoneError> {
    if who.system_admin {
        return Ok(state.store.domains().await?);
    }
    let mut ids: Vec<String> = visible_projects(state, who)
        .await?
        .into_iter()
        .map(|p| p.domain_id)
        .collect();
    ids.push(who.domain_id.clone());
    let mut domains: Vec<DomainRecord> = state.store.domains().await?;
    domains.retain(|d| ids.contains(&d.id));
    Ok(domains)
}

/// `GET /v3/auth/domains`: the domains the caller can scope a token to (its own user's).
#[utoipa::path(
    get,
    path = "/v3/auth/domains",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneDomains),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn auth_domains(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    let items = state
        .store
        .domain(&who.domain_id)
        .await?
        .iter()
        .map(|d| domain(&base, d))
        .collect();
    Ok(Json(collection(&base, "auth/domains", "domains", items)))
}

/// `GET /v3/auth/system`: `[{"all": true}]` for a system administrator, else nothing.
#[utoipa::path(
    get,
    path = "/v3/auth/system",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneSystem),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn auth_system(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> Json<Value> {
    let base = crate::prefix::base(&state, &headers);
    let system = if who.system_admin {
        json!([{"all": true}])
    } else {
        json!([])
    };
    Json(
        json!({"system": system, "links": {"self": format!("{base}/v3/auth/system"), "previous": null, "next": null}}),
    )
}

/// `GET /v3/domains`: administrators only (Keystone's default policy), what they see.
#[utoipa::path(
    get,
    path = "/v3/domains",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneDomains),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_domains(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Params,
) -> Result<Json<Value>, KeystoneError> {
    administrator(&state, &who, "identity:list_domains").await?;
    let base = crate::prefix::base(&state, &headers);
    let items = visible_domains(&state, &who)
        .await?
        .iter()
        .map(|d| domain(&base, d))
        .collect();
    let items = filtered(items, &query, &["name", "enabled"]);
    Ok(Json(paged(&base, "domains", "domains", items, &query)?))
}

/// `GET /v3/domains/{id}`: one the caller sees, else 404 as for an unknown id.
#[utoipa::path(
    get,
    path = "/v3/domains/{domain_id}",
    tag = "Keystone",
    params(
        ("domain_id" = String, Path, description = "Domain id", example = "default"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneDomain),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_domain(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    let found = visible_domains(&state, &who)
        .await?
        .into_iter()
        .find(|d| d.id == id);
    let d =
        found.ok_or_else(|| KeystoneError::not_found(format!("Could not find domain: {id}.")))?;
    Ok(Json(json!({ "domain": domain(&base, &d) })))
}
