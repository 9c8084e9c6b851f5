//! Users and roles: `GET /v3/users/{id}`, `/v3/users` and `/v3/roles`.

use super::{administrator, filtered, paged, Caller};
use crate::admin_scope::{AdminScope, Target};
use crate::iam::KeystoneError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_store::UserRecord;

/// Switchboard's roles (see README, "Permissions"); ids are their names, as in token bodies.
const ROLES: &[(&str, &str)] = &[
    ("admin", "Everything in the project."),
    (
        "operator",
        "Read and operate: start, stop, restart, reboot, cancel.",
    ),
    ("viewer", "Read."),
];

fn user(base: &str, u: &UserRecord) -> Value {
    json!({
        "id": u.id, "name": u.name, "domain_id": u.domain_id, "enabled": true,
        "password_expires_at": null, "options": {},
        "links": {"self": format!("{base}/v3/users/{}", u.id)},
    })
}

/// Itself, or a user an administrator sees; any other reads like an unknown id.
#[utoipa::path(
    get,
    path = "/v3/users/{user_id}",
    tag = "Keystone",
    params(
        ("user_id" = String, Path, description = "User id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneUser),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    let missing = || KeystoneError::not_found(format!("Could not find user: {id}."));
    let target = Target::load(state.store.as_ref(), &id)
        .await?
        .ok_or_else(missing)?;
    if who.user_id != id
        && !AdminScope::of(state.store.as_ref(), &who)
            .await?
            .sees(&target)
    {
        return Err(missing());
    }
    let base = crate::prefix::base(&state, &headers);
    Ok(Json(json!({ "user": user(&base, &target.user) })))
}

/// Administrators only: every user a system administrator, a project administrator those
/// with a role in its projects.
#[utoipa::path(
    get,
    path = "/v3/users",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneUsers),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, KeystoneError> {
    let scope = administrator(&state, &who, "identity:list_users").await?;
    let base = crate::prefix::base(&state, &headers);
    let mut items = Vec::new();
    for u in state.store.users().await? {
        let target = Target::of(state.store.as_ref(), u).await?;
        if scope.sees(&target) {
            items.push(user(&base, &target.user));
        }
    }
    let items = filtered(items, &query, &["name", "domain_id", "enabled"]);
    Ok(Json(paged(&base, "users", "users", items, &query)?))
}

/// Administrators only, as Keystone's default policy.
#[utoipa::path(
    get,
    path = "/v3/roles",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneRoles),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_roles(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, KeystoneError> {
    administrator(&state, &who, "identity:list_roles").await?;
    let base = crate::prefix::base(&state, &headers);
    let items = ROLES
        .iter()
        .map(|(name, description)| {
            json!({"id": name, "name": name, "domain_id": null, "description": description,
                   "options": {}, "links": {"self": format!("{base}/v3/roles/{name}")}})
        })
        .collect();
    let items = filtered(items, &query, &["name", "domain_id"]);
    Ok(Json(paged(&base, "roles", "roles", items, &query)?))
}

/// `GET /v3/role_assignments` (administrators, as Keystone's default policy): the roles the
/// caller administers, filtered by `user.id`, `scope.project.id` and `role.id`.
#[utoipa::path(
    get,
    path = "/v3/role_assignments",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneRoleAssignments),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_role_assignments(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, KeystoneError> {
    let scope = administrator(&state, &who, "identity:list_role_assignments").await?;
    let base = crate::prefix::base(&state, &headers);
    let wanted = |key: &str, value: &str| query.get(key).is_none_or(|w| w == value);
    let mut items = Vec::new();
    for u in state.store.users().await? {
        if !wanted("user.id", &u.id) {
            continue;
        }
        let target = Target::of(state.store.as_ref(), u).await?;
        for (project, role) in scope.visible_roles(&target) {
            if wanted("scope.project.id", project) && wanted("role.id", role) {
                let user_id = &target.user.id;
                items.push(json!({
                    "role": {"id": role}, "user": {"id": user_id},
                    "scope": {"project": {"id": project}},
                    "links": {"assignment": format!("{base}/v3/projects/{project}/users/{user_id}/roles/{role}")},
                }));
            }
        }
    }
    Ok(Json(paged(
        &base,
        "role_assignments",
        "role_assignments",
        items,
        &query,
    )?))
}
