//! Admin API for users: `POST|GET /switchboard/v1/users`, `PUT|DELETE /switchboard/v1/users/{id}`,
//! scoped by `admin_scope`: a project administrator sees and changes only what lies in the
//! projects it administers; a user it cannot see answers like an unknown one.

pub(super) use super::user_body::body;
use super::user_body::{NewUser, UserChange};
use super::NativeError;
use crate::admin_scope::{AdminScope, Target};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use switchboard_core::now_millis;
use switchboard_identity::policy::ROLES;
use switchboard_identity::{random_hex, Principal};
use switchboard_store::{UserRecord, UserUpdate};

fn user_json(scope: &AdminScope, target: &Target, policies: Vec<String>) -> Value {
    let u = &target.user;
    let roles: Vec<Value> = scope
        .visible_roles(target)
        .iter()
        .map(|(p, r)| json!({"project_id": p, "role": r}))
        .collect();
    json!({
        "id": u.id, "name": u.name, "domain_id": u.domain_id, "roles": roles,
        "policies": policies, "system_admin": target.system_admin,
    })
}

/// The user `id` as it is now stored, as `scope` sees it.
async fn stored_user_json(
    state: &AppState,
    scope: &AdminScope,
    id: &str,
) -> Result<Value, NativeError> {
    let target = Target::load(state.store.as_ref(), id)
        .await?
        .ok_or_else(|| NativeError::not_found(format!("user {id} does not exist")))?;
    let policies = state.store.user_policy_names(id).await?;
    Ok(user_json(scope, &target, policies))
}

/// Resolves project names or ids and checks roles and policy names.
async fn checked_roles(
    state: &AppState,
    roles: &BTreeMap<String, String>,
    policies: &[String],
) -> Result<Vec<(String, String)>, NativeError> {
    let mut out = Vec::new();
    for (project, role) in roles {
        if !ROLES.contains(&role.as_str()) {
            return Err(NativeError::bad_request(format!(
                "unknown role {role} (admin, operator or viewer)"
            )));
        }
        let by_id = state
            .store
            .project(project)
            .await
            .map_err(NativeError::internal)?;
        let found = match by_id {
            Some(p) => Some(p),
            None => state
                .store
                .project_by_name(project, None)
                .await
                .map_err(NativeError::internal)?
                .pop(),
        };
        let p =
            found.ok_or_else(|| NativeError::bad_request(format!("unknown project {project}")))?;
        out.push((p.id, role.clone()));
    }
    let known: Vec<String> = state
        .store
        .policies()
        .await
        .map_err(NativeError::internal)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    if let Some(p) = policies.iter().find(|p| !known.contains(p)) {
        return Err(NativeError::bad_request(format!("unknown policy {p}")));
    }
    Ok(out)
}

async fn hashed(state: &AppState, password: String) -> Result<String, NativeError> {
    if password.chars().count() < 8 || password.len() > crate::login::MAX_PASSWORD_BYTES {
        return Err(NativeError::bad_request(
            "the password must have at least 8 characters and at most 4096 bytes",
        ));
    }
    // On the server's Argon2 pool, like every password check.
    match state.hasher().hash(password).await {
        Ok(phc) => Ok(phc),
        Err(switchboard_identity::HashError::Busy(_)) => Err(NativeError {
            status: axum::http::StatusCode::TOO_MANY_REQUESTS,
            code: "busy",
            message: "the server is busy checking passwords; retry later".into(),
        }),
        Err(err) => Err(NativeError::internal(err)),
    }
}

pub(super) async fn changed(
    state: &AppState,
    who: &Principal,
    source: Option<String>,
    action: &str,
    target: &str,
) {
    state.auth.forget_all();
    if let Err(err) = crate::shared::identity_changed(state).await {
        tracing::error!(%err, "cannot tell the other replicas to forget the principals they cached");
    }
    if let Err(err) = state
        .engine
        .audit(lookup::audit(who, source, action, target, "done"))
        .await
    {
        tracing::error!(%err, "audit write failed");
    }
}

/// Refuses roles in projects the caller does not administer.
fn check_administered(scope: &AdminScope, roles: &[(String, String)]) -> Result<(), NativeError> {
    match roles.iter().find(|(p, _)| !scope.administers(p)) {
        Some((p, _)) => Err(NativeError::forbidden(format!(
            "you do not administer project {p}"
        ))),
        None => Ok(()),
    }
}

/// The user `id` if the caller may see it; otherwise it does not exist for the caller.
async fn visible_target(
    state: &AppState,
    scope: &AdminScope,
    id: &str,
) -> Result<Target, NativeError> {
    Target::load(state.store.as_ref(), id)
        .await?
        .filter(|t| scope.sees(t))
        .ok_or_else(|| NativeError::not_found(format!("user {id} does not exist")))
}

fn policies_are_system() -> NativeError {
    NativeError::forbidden("policies are attached and changed by system administrators only")
}

fn not_governed(id: &str) -> NativeError {
    NativeError::forbidden(format!(
        "user {id} has roles outside the projects you administer"
    ))
}

#[utoipa::path(
    post,
    path = "/switchboard/v1/users",
    tag = "Switchboard",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = crate::openapi::native::NativeUser),
        crate::openapi::NativeWrite,
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), NativeError> {
    NativeError::permit(&who, "switchboard:user:create")?;
    let new: NewUser = body(raw)?;
    if new.name.trim().is_empty() {
        return Err(NativeError::bad_request("name is required"));
    }
    let scope = AdminScope::of(state.store.as_ref(), &who).await?;
    if new.system_admin && !scope.is_system() {
        return Err(NativeError::forbidden(
            "only a system administrator grants the system role",
        ));
    }
    let domain_key = new.domain.clone().unwrap_or_else(|| who.domain_id.clone());
    let domain = state
        .store
        .domain(&domain_key)
        .await?
        .ok_or_else(|| NativeError::bad_request(format!("unknown domain {domain_key}")))?;
    if state
        .store
        .user_by_name(&domain.name, &new.name)
        .await?
        .is_some()
    {
        return Err(NativeError::conflict(format!(
            "user {} already exists in domain {}",
            new.name, domain.name
        )));
    }
    let roles = checked_roles(&state, &new.roles, &new.policies).await?;
    check_administered(&scope, &roles)?;
    if !new.policies.is_empty() && !scope.is_system() {
        return Err(policies_are_system());
    }
    if roles.is_empty() && !scope.is_system() {
        // A user without roles would be beyond every project administrator, the creator too.
        return Err(NativeError::forbidden(
            "give the new user a role in a project you administer",
        ));
    }
    let user = UserRecord {
        id: random_hex(16),
        domain_id: domain.id,
        name: new.name,
        password_hash: hashed(&state, new.password).await?,
        created_at: now_millis(),
    };
    state
        .store
        .save_user(&UserUpdate {
            user: user.clone(),
            create: true,
            set_password: true,
            roles: Some(roles),
            roles_within: None,
            policies: Some(new.policies),
            system_admin: Some(new.system_admin),
            revoke_tokens: false,
        })
        .await?;
    changed(&state, &who, source, "switchboard:user:create", &user.id).await;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": stored_user_json(&state, &scope, &user.id).await? })),
    ))
}

#[utoipa::path(
    get,
    path = "/switchboard/v1/users",
    tag = "Switchboard",
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeUsers),
        crate::openapi::NativeRead,
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:user:list")?;
    let scope = AdminScope::of(state.store.as_ref(), &who).await?;
    let mut users = Vec::new();
    for u in state.store.users().await? {
        let target = Target::of(state.store.as_ref(), u).await?;
        if scope.sees(&target) {
            let policies = state.store.user_policy_names(&target.user.id).await?;
            users.push(user_json(&scope, &target, policies));
        }
    }
    Ok(Json(json!({ "users": users })))
}

#[utoipa::path(
    put,
    path = "/switchboard/v1/users/{id}",
    tag = "Switchboard",
    params(
        ("id" = String, Path, description = "Id"),
    ),
    request_body = UserChange,
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeUser),
        crate::openapi::NativeWrite,
    )
)]
pub async fn modify_user(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(id): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:user:modify")?;
    let change: UserChange = body(raw)?;
    let scope = AdminScope::of(state.store.as_ref(), &who).await?;
    let target = visible_target(&state, &scope, &id).await?;
    let mut user = target.user.clone();
    if change.system_admin.is_some() && !scope.is_system() {
        return Err(NativeError::forbidden(
            "only a system administrator grants or removes the system role",
        ));
    }
    if change.policies.is_some() && !scope.is_system() {
        return Err(policies_are_system());
    }
    if change.password.is_some() && !scope.governs(&target) {
        return Err(not_governed(&id));
    }
    let policies = change.policies.clone();
    let requested = change.roles.clone().unwrap_or_default();
    let resolved = checked_roles(&state, &requested, policies.as_deref().unwrap_or(&[])).await?;
    let roles = match change.roles {
        Some(_) => {
            check_administered(&scope, &resolved)?;
            Some(resolved)
        }
        None => None,
    };
    let set_password = change.password.is_some();
    if let Some(password) = change.password {
        user.password_hash = hashed(&state, password).await?;
    }
    let saved = state
        .store
        .save_user(&UserUpdate {
            user: user.clone(),
            create: false,
            set_password,
            roles,
            // Roles in projects the caller does not administer stay as they are.
            roles_within: scope.projects(),
            policies,
            system_admin: change.system_admin,
            revoke_tokens: set_password,
        })
        .await?;
    if !saved {
        return Err(NativeError::not_found(format!("user {id} does not exist")));
    }
    changed(&state, &who, source, "switchboard:user:modify", &id).await;
    Ok(Json(
        json!({ "user": stored_user_json(&state, &scope, &id).await? }),
    ))
}

#[utoipa::path(
    delete,
    path = "/switchboard/v1/users/{id}",
    tag = "Switchboard",
    params(
        ("id" = String, Path, description = "Id"),
    ),
    responses(
        (status = 204, description = "No Content"),
        crate::openapi::NativeWrite,
    )
)]
pub async fn delete_user(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(id): Path<String>,
) -> Result<StatusCode, NativeError> {
    NativeError::permit(&who, "switchboard:user:delete")?;
    if id == who.user_id {
        return Err(NativeError::conflict("you cannot delete yourself"));
    }
    let scope = AdminScope::of(state.store.as_ref(), &who).await?;
    let target = visible_target(&state, &scope, &id).await?;
    if !scope.governs(&target) {
        return Err(not_governed(&id));
    }
    if !state.store.delete_user(&id).await? {
        return Err(NativeError::not_found(format!("user {id} does not exist")));
    }
    changed(&state, &who, source, "switchboard:user:delete", &id).await;
    Ok(StatusCode::NO_CONTENT)
}
