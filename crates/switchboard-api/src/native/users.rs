//! Admin API: users with their roles and policies, and policy documents.
//! `POST|GET /switchboard/v1/users`, `PUT|DELETE /switchboard/v1/users/{id}`,
//! `GET /switchboard/v1/policies`, `PUT|DELETE /switchboard/v1/policies/{name}`.

use super::NativeError;
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use switchboard_core::now_millis;
use switchboard_identity::policy::{PolicyDocument, ROLES};
use switchboard_identity::{hash_password, random_hex, Principal};
use switchboard_store::UserRecord;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    #[serde(default)]
    domain: Option<String>,
    password: String,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    #[serde(default)]
    policies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    roles: Option<BTreeMap<String, String>>,
    #[serde(default)]
    policies: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    document: PolicyDocument,
}

fn body<T: serde::de::DeserializeOwned>(
    raw: Result<Bytes, BytesRejection>,
) -> Result<T, NativeError> {
    crate::body::parse(raw)
        .map_err(NativeError::from)?
        .ok_or_else(|| NativeError::bad_request("a JSON body is required"))
}

async fn user_json(state: &AppState, u: &UserRecord) -> Result<Value, NativeError> {
    let roles = state
        .store
        .all_roles(&u.id)
        .await
        .map_err(NativeError::internal)?;
    let policies = state
        .store
        .user_policy_names(&u.id)
        .await
        .map_err(NativeError::internal)?;
    Ok(json!({
        "id": u.id, "name": u.name, "domain_id": u.domain_id,
        "roles": roles.iter().map(|(p, r)| json!({"project_id": p, "role": r})).collect::<Vec<_>>(),
        "policies": policies,
    }))
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

async fn hashed(password: String) -> Result<String, NativeError> {
    if password.chars().count() < 8 {
        return Err(NativeError::bad_request(
            "the password must have at least 8 characters",
        ));
    }
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(NativeError::internal)?
        .map_err(NativeError::internal)
}

async fn changed(
    state: &AppState,
    who: &Principal,
    source: Option<String>,
    action: &str,
    target: &str,
) {
    state.auth.forget_all();
    if let Err(err) = state
        .engine
        .audit(lookup::audit(who, source, action, target, "done"))
        .await
    {
        tracing::error!(%err, "audit write failed");
    }
}

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
    let domain_key = new.domain.clone().unwrap_or_else(|| who.domain_id.clone());
    let domain = state
        .store
        .domain(&domain_key)
        .await
        .map_err(NativeError::internal)?
        .ok_or_else(|| NativeError::bad_request(format!("unknown domain {domain_key}")))?;
    if state
        .store
        .user_by_name(&domain.name, &new.name)
        .await
        .map_err(NativeError::internal)?
        .is_some()
    {
        return Err(NativeError::conflict(format!(
            "user {} already exists in domain {}",
            new.name, domain.name
        )));
    }
    let roles = checked_roles(&state, &new.roles, &new.policies).await?;
    let user = UserRecord {
        id: random_hex(16),
        domain_id: domain.id,
        name: new.name,
        password_hash: hashed(new.password).await?,
        created_at: now_millis(),
    };
    let store = &state.store;
    store
        .upsert_user(&user)
        .await
        .map_err(NativeError::internal)?;
    store
        .set_roles(&user.id, &roles)
        .await
        .map_err(NativeError::internal)?;
    store
        .set_user_policies(&user.id, &new.policies)
        .await
        .map_err(NativeError::internal)?;
    changed(&state, &who, source, "switchboard:user:create", &user.id).await;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": user_json(&state, &user).await? })),
    ))
}

pub async fn list_users(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:user:list")?;
    let mut users = Vec::new();
    for u in state.store.users().await.map_err(NativeError::internal)? {
        users.push(user_json(&state, &u).await?);
    }
    Ok(Json(json!({ "users": users })))
}

pub async fn modify_user(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(id): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:user:modify")?;
    let change: UserChange = body(raw)?;
    let mut user = state
        .store
        .user_by_id(&id)
        .await
        .map_err(NativeError::internal)?
        .ok_or_else(|| NativeError::not_found(format!("user {id} does not exist")))?;
    let policies = change.policies.clone();
    let roles = match &change.roles {
        Some(r) => Some(checked_roles(&state, r, policies.as_deref().unwrap_or(&[])).await?),
        None => {
            checked_roles(&state, &BTreeMap::new(), policies.as_deref().unwrap_or(&[])).await?;
            None
        }
    };
    if let Some(password) = change.password {
        user.password_hash = hashed(password).await?;
        state
            .store
            .upsert_user(&user)
            .await
            .map_err(NativeError::internal)?;
    }
    if let Some(roles) = roles {
        state
            .store
            .set_roles(&user.id, &roles)
            .await
            .map_err(NativeError::internal)?;
    }
    if let Some(policies) = policies {
        state
            .store
            .set_user_policies(&user.id, &policies)
            .await
            .map_err(NativeError::internal)?;
    }
    changed(&state, &who, source, "switchboard:user:modify", &id).await;
    Ok(Json(json!({ "user": user_json(&state, &user).await? })))
}

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
    if !state
        .store
        .delete_user(&id)
        .await
        .map_err(NativeError::internal)?
    {
        return Err(NativeError::not_found(format!("user {id} does not exist")));
    }
    changed(&state, &who, source, "switchboard:user:delete", &id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_policies(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:policy:list")?;
    let policies: Vec<Value> = state
        .store
        .policies()
        .await
        .map_err(NativeError::internal)?
        .into_iter()
        .map(|(name, doc)| json!({"name": name, "document": serde_json::from_str::<Value>(&doc).unwrap_or(Value::Null)}))
        .collect();
    Ok(Json(json!({ "policies": policies })))
}

pub async fn put_policy(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(name): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:policy:create")?;
    let policy: PolicyBody = body(raw)?;
    policy
        .document
        .validate()
        .map_err(NativeError::bad_request)?;
    let doc = serde_json::to_string(&policy.document).map_err(NativeError::internal)?;
    state
        .store
        .upsert_policy(&name, &doc)
        .await
        .map_err(NativeError::internal)?;
    changed(&state, &who, source, "switchboard:policy:create", &name).await;
    Ok(Json(
        json!({"policy": {"name": name, "document": policy.document}}),
    ))
}

pub async fn delete_policy(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(name): Path<String>,
) -> Result<StatusCode, NativeError> {
    NativeError::permit(&who, "switchboard:policy:delete")?;
    if !state
        .store
        .delete_policy(&name)
        .await
        .map_err(NativeError::internal)?
    {
        return Err(NativeError::not_found(format!(
            "policy {name} does not exist"
        )));
    }
    changed(&state, &who, source, "switchboard:policy:delete", &name).await;
    Ok(StatusCode::NO_CONTENT)
}
