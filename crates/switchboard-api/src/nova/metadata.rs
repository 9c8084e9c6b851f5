//! `…/servers/{server_id}/metadata[/{key}]`: server metadata kept in the store, seeded from the
//! inventory's `attrs.metadata`, validated and limited as Nova does (128 items).

use super::metadata_body::{invalid, items};
use super::render::NovaState;
use super::servers::find;
use super::{reply, Microversion, NovaError};
use crate::auth::Authenticated;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_engine::ResourceSnapshot;
use switchboard_identity::Principal;
use switchboard_store::{Metadata, MetadataChange};

/// Nova's default `metadata_items` quota.
pub const MAX_ITEMS: usize = 128;

/// The inventory's metadata of a server (values that are not strings as JSON text).
fn seed(server: &ResourceSnapshot) -> Metadata {
    server
        .spec
        .attrs
        .get("metadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn to_json(m: &Metadata) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

/// The server's metadata as it stands: stored, else the inventory's.
async fn current(state: &AppState, server: &ResourceSnapshot) -> Result<Metadata, NovaError> {
    let stored = state
        .store
        .metadata(&server.spec.id)
        .await
        .map_err(NovaError::internal)?;
    Ok(stored.unwrap_or_else(|| seed(server)))
}

/// Sets `metadata` of every rendered server (`{"id": …}` bodies) to what the store holds,
/// reading only those servers' rows.
pub(super) async fn fill(state: &AppState, servers: &mut [Value]) -> Result<(), NovaError> {
    let ids: Vec<String> = servers
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    let stored = state
        .store
        .metadata_of(&ids)
        .await
        .map_err(NovaError::internal)?;
    for s in servers {
        let id = s["id"].as_str().unwrap_or_default();
        if let Some(m) = stored.get(id) {
            s["metadata"] = to_json(m);
        }
    }
    Ok(())
}

/// Nova changes metadata only of an active or stopped server with no task under way.
fn check_state(server: &ResourceSnapshot, what: &str) -> Result<(), NovaError> {
    let nova = NovaState::of(server.state);
    let id = &server.spec.id;
    let refuse = |attr: &str, value: &str| {
        NovaError::conflict(format!(
            "Cannot '{what}' instance {id} while it is in {attr} {value}"
        ))
    };
    match (nova.task_state, server.active_task) {
        (Some(task), _) => Err(refuse("task_state", task)),
        (None, Some(_)) => Err(refuse("task_state", "scheduling")),
        _ if matches!(nova.vm_state, "active" | "stopped") => Ok(()),
        _ => Err(refuse("vm_state", nova.vm_state)),
    }
}

fn over_quota() -> NovaError {
    NovaError::new(
        StatusCode::FORBIDDEN,
        format!("Maximum number of metadata items exceeds {MAX_ITEMS}"),
    )
}

/// Applies `change` in one store transaction; `refused` is the error when it declines.
async fn write(
    state: &AppState,
    server: &ResourceSnapshot,
    change: MetadataChange,
    refused: NovaError,
) -> Result<Metadata, NovaError> {
    state
        .store
        .update_metadata(&server.spec.id, &seed(server), change)
        .await
        .map_err(NovaError::internal)?
        .ok_or(refused)
}

type Ids = Path<(String, String)>;
type KeyIds = Path<(String, String, String)>;
type Body = Result<Bytes, BytesRejection>;

fn lookup(
    state: &AppState,
    who: &Principal,
    action: &str,
    project_id: &str,
    server_id: &str,
) -> Result<ResourceSnapshot, NovaError> {
    NovaError::permit(who, action)?;
    find(state, who, project_id, server_id)
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}/metadata",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaMetadata),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_metadata(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((p, id)): Ids,
) -> Response {
    let result = async {
        let server = lookup(&state, &who, "nova:server:metadata:get", &p, &id)?;
        let m = current(&state, &server).await?;
        Ok(Json(json!({"metadata": to_json(&m)})).into_response())
    };
    reply(result.await, &version)
}

/// `POST` merges (`replace` false), `PUT` replaces; both answer the whole result.
async fn update_all(
    state: AppState,
    who: Principal,
    p: String,
    id: String,
    body: Body,
    replace: bool,
) -> Result<Response, NovaError> {
    let new = items(body, "metadata")?;
    let server = lookup(&state, &who, "nova:server:metadata:update", &p, &id)?;
    check_state(&server, "update metadata")?;
    let change: MetadataChange = Box::new(move |m| {
        if replace {
            m.clear();
        }
        m.extend(new);
        m.len() <= MAX_ITEMS
    });
    let m = write(&state, &server, change, over_quota()).await?;
    Ok(Json(json!({"metadata": to_json(&m)})).into_response())
}

#[utoipa::path(
    post,
    path = "/v2.1/{project_id}/servers/{server_id}/metadata",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    request_body = crate::openapi::compute::NovaMetadata,
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaMetadata),
        crate::openapi::NovaWrite,
    )
)]
pub async fn merge_metadata(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((p, id)): Ids,
    body: Body,
) -> Response {
    reply(update_all(state, who, p, id, body, false).await, &version)
}

#[utoipa::path(
    put,
    path = "/v2.1/{project_id}/servers/{server_id}/metadata",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    request_body = crate::openapi::compute::NovaMetadata,
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaMetadata),
        crate::openapi::NovaWrite,
    )
)]
pub async fn replace_metadata(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((p, id)): Ids,
    body: Body,
) -> Response {
    reply(update_all(state, who, p, id, body, true).await, &version)
}

fn not_found_item() -> NovaError {
    NovaError::new(StatusCode::NOT_FOUND, "Metadata item was not found")
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}/metadata/{key}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
        ("key" = String, Path, description = "Key"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaMeta),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_meta(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((p, id, key)): KeyIds,
) -> Response {
    let result = async {
        let server = lookup(&state, &who, "nova:server:metadata:get", &p, &id)?;
        let m = current(&state, &server).await?;
        let value = m.get(&key).ok_or_else(not_found_item)?;
        Ok(Json(json!({"meta": {key.clone(): value}})).into_response())
    };
    reply(result.await, &version)
}

#[utoipa::path(
    put,
    path = "/v2.1/{project_id}/servers/{server_id}/metadata/{key}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
        ("key" = String, Path, description = "Key"),
    ),
    request_body = crate::openapi::compute::NovaMeta,
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaMeta),
        crate::openapi::NovaWrite,
    )
)]
pub async fn set_meta(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((p, id, key)): KeyIds,
    body: Body,
) -> Response {
    let result = async {
        let item = items(body, "meta")?;
        if item.len() != 1 {
            let shown = to_json(&item);
            let why = if item.is_empty() {
                "does not have enough properties"
            } else {
                "has too many properties"
            };
            return Err(invalid("meta", &shown, &format!("{shown} {why}")));
        }
        let server = lookup(&state, &who, "nova:server:metadata:update", &p, &id)?;
        if !item.contains_key(&key) {
            return Err(NovaError::bad_request("Request body and URI mismatch"));
        }
        check_state(&server, "update metadata")?;
        let answer = json!({"meta": to_json(&item)});
        let change: MetadataChange = Box::new(move |m| {
            m.extend(item);
            m.len() <= MAX_ITEMS
        });
        write(&state, &server, change, over_quota()).await?;
        Ok(Json(answer).into_response())
    };
    reply(result.await, &version)
}

#[utoipa::path(
    delete,
    path = "/v2.1/{project_id}/servers/{server_id}/metadata/{key}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
        ("key" = String, Path, description = "Key"),
    ),
    responses(
        (status = 204, description = "No Content"),
        crate::openapi::NovaWrite,
    )
)]
pub async fn delete_meta(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((p, id, key)): KeyIds,
) -> Response {
    let result = async {
        let server = lookup(&state, &who, "nova:server:metadata:update", &p, &id)?;
        if !current(&state, &server).await?.contains_key(&key) {
            return Err(not_found_item());
        }
        check_state(&server, "delete metadata")?;
        // Gone meanwhile (a concurrent delete) reads as not found, as Nova's would.
        let change: MetadataChange = Box::new(move |m| m.remove(&key).is_some());
        write(&state, &server, change, not_found_item()).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    };
    reply(result.await, &version)
}
