//! Admin API for policy documents: `GET /switchboard/v1/policies`,
//! `PUT|DELETE /switchboard/v1/policies/{name}`. Policies are global documents attached to users
//! by name, and an Allow in one applies in every project where its user holds a role: so only a
//! system administrator writes, deletes or attaches them (a project administrator could
//! otherwise plant a grant that reaches beyond its projects once the user is given a role
//! elsewhere). Administrators may read them.

use super::users::{body, changed};
use super::NativeError;
use crate::admin_scope::AdminScope;
use crate::auth::{Authenticated, Source};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_identity::policy::PolicyDocument;
use switchboard_identity::Principal;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    document: PolicyDocument,
}

/// Refuses a change to a policy by anyone but a system administrator.
async fn may_change(state: &AppState, who: &Principal) -> Result<(), NativeError> {
    if AdminScope::of(state.store.as_ref(), who).await?.is_system() {
        Ok(())
    } else {
        Err(NativeError::forbidden(
            "policies are attached and changed by system administrators only",
        ))
    }
}

pub async fn list_policies(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:policy:list")?;
    let policies: Vec<Value> = state
        .store
        .policies()
        .await?
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
    may_change(&state, &who).await?;
    let doc = serde_json::to_string(&policy.document).map_err(NativeError::internal)?;
    state.store.upsert_policy(&name, &doc).await?;
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
    may_change(&state, &who).await?;
    if !state.store.delete_policy(&name).await? {
        return Err(NativeError::not_found(format!(
            "policy {name} does not exist"
        )));
    }
    changed(&state, &who, source, "switchboard:policy:delete", &name).await;
    Ok(StatusCode::NO_CONTENT)
}
