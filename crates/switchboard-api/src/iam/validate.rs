//! `GET` (validate) and `DELETE` (revoke) `/v3/auth/tokens`, and `GET /v3/projects`.

use super::render::token_body;
use super::Caller;
use super::KeystoneError;
use crate::admin_scope::may_act_for;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::now_millis;
use switchboard_identity::{token_hash, Principal};
use switchboard_store::TokenRecord;

/// The live token in `X-Subject-Token`, if the caller may see it: its own, or one of a user it
/// governs; any other answers like an unknown token.
async fn subject(
    state: &AppState,
    who: &Principal,
    headers: &HeaderMap,
) -> Result<(String, TokenRecord), KeystoneError> {
    let token = headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| KeystoneError::bad_request("X-Subject-Token is required."))?
        .to_string();
    let missing = || KeystoneError::not_found("Could not find token.");
    let record = state
        .store
        .token(&token_hash(&token))
        .await?
        .ok_or_else(missing)?;
    if record.expires_at <= now_millis() {
        return Err(missing());
    }
    if !may_act_for(state.store.as_ref(), who, &record.user_id).await? {
        return Err(missing());
    }
    Ok((token, record))
}

#[utoipa::path(
    get,
    path = "/v3/auth/tokens",
    tag = "Keystone",
    params(
        ("X-Subject-Token" = String, Header, description = "The token asked about"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneToken),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn validate_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> Result<Response, KeystoneError> {
    let (token, record) = subject(&state, &who, &headers).await?;
    let user = state
        .store
        .user_by_id(&record.user_id)
        .await?
        .ok_or_else(|| KeystoneError::not_found("Could not find token."))?;
    let project = match &record.project_id {
        Some(id) => {
            let p = state
                .store
                .project(id)
                .await?
                .ok_or_else(|| KeystoneError::not_found("Could not find token."))?;
            let roles = state.store.roles(&user.id, id).await?;
            Some((p, roles))
        }
        None => None,
    };
    let body = token_body(
        &state,
        &headers,
        &user,
        project,
        None,
        record.issued_at,
        record.expires_at,
    )
    .await?;
    let mut response = Json(json!({ "token": body })).into_response();
    if let Ok(v) = token.parse() {
        response.headers_mut().insert("x-subject-token", v);
    }
    Ok(response)
}

#[utoipa::path(
    delete,
    path = "/v3/auth/tokens",
    tag = "Keystone",
    params(
        ("X-Subject-Token" = String, Header, description = "The token asked about"),
    ),
    responses(
        (status = 204, description = "No Content"),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> Result<StatusCode, KeystoneError> {
    let (token, _) = subject(&state, &who, &headers).await?;
    let hash = token_hash(&token);
    state.store.delete_token(&hash).await?;
    state.auth.forget(&hash);
    crate::shared::identity_changed(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's projects, optionally by `name` (the SDK resolves its project id this way), in
/// the body `GET /v3/projects/{id}` shows, with Keystone's project filters.
#[utoipa::path(
    get,
    path = "/v3/projects",
    tag = "Keystone",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::KeystoneProjects),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_projects(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, KeystoneError> {
    let base = crate::prefix::base(&state, &headers);
    let own = state.store.projects_of_user(&who.user_id).await?;
    let items = own
        .iter()
        .map(|p| super::reads::project(&base, p))
        .collect();
    let items = super::reads::filtered(items, &query, super::reads::PROJECT_FILTERS);
    Ok(Json(super::reads::paged(
        &base, "projects", "projects", items, &query,
    )?))
}
