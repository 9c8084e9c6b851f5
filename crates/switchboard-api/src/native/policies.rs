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

/// A policy: its document (`Version`, `Statement`: Effect, Action, Resource).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyBody {
    #[schema(value_type = Object)]
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

#[utoipa::path(
    get,
    path = "/switchboard/v1/policies",
    tag = "Switchboard",
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativePolicies),
        crate::openapi::NativeRead,
    )
)]
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

#[utoipa::path(
    put,
    path = "/switchboard/v1/policies/{name}",
    tag = "Switchboard",
    params(
        ("name" = String, Path, description = "Name"),
    ),
    request_body = PolicyBody,
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativePolicy),
        crate::openapi::NativeWrite,
    )
)]
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

#[utoipa::path(
    delete,
    path = "/switchboard/v1/policies/{name}",
    tag = "Switchboard",
    params(
        ("name" = String, Path, description = "Name"),
    ),
    responses(
        (status = 204, description = "No Content"),
        crate::openapi::NativeWrite,
    )
)]
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
