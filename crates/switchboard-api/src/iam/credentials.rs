//! Permanent AK/SK credentials, as Huawei IAM's `/v3.0/OS-CREDENTIAL/credentials`: create (the
//! secret is shown once), list, show and delete. Users manage their own; a system administrator
//! anyone's; a project administrator those of the users it governs (see `admin_scope`).
//! Huawei's list has no paging (its only parameter is `user_id`): it is bounded instead, as
//! Huawei bounds it, by [`MAX_KEYS_PER_USER`]; creating one more is Huawei's 400
//! `akSkNumExceed`. Keys from the configuration count too (and are never refused).

use super::KeystoneError;
use crate::admin_scope::may_act_for;
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::time::iso_micros;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::now_millis;
use switchboard_identity::secrets::{new_access_key, new_secret_key};
use switchboard_identity::Principal;
use switchboard_store::CredentialRecord;

/// Huawei IAM's limit: each user holds at most two access keys.
pub const MAX_KEYS_PER_USER: usize = 2;

/// Creations are counted and inserted one at a time, so two at once cannot both pass the count.
static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Deserialize)]
struct CreateBody {
    credential: NewCredential,
}

#[derive(Deserialize)]
struct NewCredential {
    user_id: String,
    #[serde(default)]
    description: String,
}

async fn may_manage(state: &AppState, who: &Principal, user_id: &str) -> Result<(), KeystoneError> {
    if may_act_for(state.store.as_ref(), who, user_id).await? {
        Ok(())
    } else {
        Err(KeystoneError::forbidden(
            "You are not authorized to manage the credentials of another user.",
        ))
    }
}

fn public(c: &CredentialRecord) -> Value {
    json!({
        "user_id": c.user_id, "access": c.access_key, "status": "active",
        "create_time": iso_micros(c.created_at), "description": c.description,
    })
}

#[utoipa::path(
    post,
    path = "/v3.0/OS-CREDENTIAL/credentials",
    tag = "IAM credentials",
    request_body = crate::openapi::identity::IamCredentialRequest,
    responses(
        (status = 201, description = "Created", body = crate::openapi::identity::IamCredential),
        crate::openapi::KeystoneWrite,
    )
)]
pub async fn create_credential(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, KeystoneError> {
    let body: CreateBody = crate::body::parse(body)?.ok_or_else(|| {
        KeystoneError::bad_request("Expecting to find credential in request body.")
    })?;
    let user_id = body.credential.user_id;
    may_manage(&state, &who, &user_id).await?;
    if state.store.user_by_id(&user_id).await?.is_none() {
        return Err(KeystoneError::not_found(format!(
            "Could not find user: {user_id}."
        )));
    }
    let secret = new_secret_key();
    let record = CredentialRecord {
        access_key: new_access_key(),
        user_id,
        secret_enc: state.auth.master_key().encrypt(&secret),
        description: body.credential.description,
        created_at: now_millis(),
    };
    {
        let _turn = CREATING.lock().await;
        if state.store.credentials_of(&record.user_id).await?.len() >= MAX_KEYS_PER_USER {
            return Err(KeystoneError::bad_request("akSkNumExceed"));
        }
        state.store.insert_credential(&record).await?;
    }
    let audit = lookup::audit(
        &who,
        source,
        "iam:credentials:create",
        &record.access_key,
        "created",
    );
    if let Err(err) = state.engine.audit(audit).await {
        tracing::error!(%err, "audit write failed");
    }
    let mut shown = public(&record);
    shown["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(json!({ "credential": shown }))).into_response())
}

#[utoipa::path(
    get,
    path = "/v3.0/OS-CREDENTIAL/credentials",
    tag = "IAM credentials",
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::IamCredentials),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn list_credentials(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, KeystoneError> {
    let user_id = query
        .get("user_id")
        .cloned()
        .unwrap_or_else(|| who.user_id.clone());
    may_manage(&state, &who, &user_id).await?;
    let list = state.store.credentials_of(&user_id).await?;
    Ok(Json(
        json!({ "credentials": list.iter().map(public).collect::<Vec<_>>() }),
    ))
}

async fn owned(
    state: &AppState,
    who: &Principal,
    access_key: &str,
) -> Result<CredentialRecord, KeystoneError> {
    let missing = || KeystoneError::not_found(format!("Could not find credential: {access_key}."));
    let record = state
        .store
        .credential(access_key)
        .await?
        .ok_or_else(missing)?;
    // Someone else's key is answered like a missing one.
    may_manage(state, who, &record.user_id)
        .await
        .map_err(|_| missing())?;
    Ok(record)
}

#[utoipa::path(
    get,
    path = "/v3.0/OS-CREDENTIAL/credentials/{access_key}",
    tag = "IAM credentials",
    params(
        ("access_key" = String, Path, description = "Access key id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::identity::IamCredential),
        crate::openapi::KeystoneRead,
    )
)]
pub async fn show_credential(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(access_key): Path<String>,
) -> Result<Json<Value>, KeystoneError> {
    let record = owned(&state, &who, &access_key).await?;
    Ok(Json(json!({ "credential": public(&record) })))
}

#[utoipa::path(
    delete,
    path = "/v3.0/OS-CREDENTIAL/credentials/{access_key}",
    tag = "IAM credentials",
    params(
        ("access_key" = String, Path, description = "Access key id"),
    ),
    responses(
        (status = 204, description = "No Content"),
        crate::openapi::KeystoneWrite,
    )
)]
pub async fn delete_credential(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(access_key): Path<String>,
) -> Result<StatusCode, KeystoneError> {
    owned(&state, &who, &access_key).await?;
    state.store.delete_credential(&access_key).await?;
    let audit = lookup::audit(
        &who,
        source,
        "iam:credentials:delete",
        &access_key,
        "deleted",
    );
    if let Err(err) = state.engine.audit(audit).await {
        tracing::error!(%err, "audit write failed");
    }
    Ok(StatusCode::NO_CONTENT)
}
