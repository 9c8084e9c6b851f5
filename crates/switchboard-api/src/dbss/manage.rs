//! `PUT /v1/{project_id}/db-om/{instance_id}/name` (`UpdateDbOmInstanceName`),
//! `GET /v1/{project_id}/instance/quota` (`ShowInstanceQuota`) and
//! `GET /v1/{project_id}/version` (`ShowServerVersion`).

use super::instances::{check_project, find};
use super::{codes, DbssError, VERSION};
use crate::auth::{Authenticated, Source};
use crate::gateway::GatewayError;
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::ResourceKind;
use switchboard_engine::ResourceEdit;

/// Instances, vCPUs and MiB of memory a project may hold (the quota call answers what is left).
const MAX_INSTANCES: i64 = 10;
const MAX_CPU: i64 = 80;
const MAX_RAM_MB: i64 = 163_840;

/// `PUT …/db-om/{instance_id}/{attribute}`: only `name` is writable.
#[utoipa::path(
    put,
    path = "/v1/{project_id}/db-om/{instance_id}/{operation}",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("instance_id" = String, Path, description = "DB O&M instance id", example = "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        ("operation" = String, Path, description = "Operation"),
    ),
    request_body = crate::openapi::mrs_dbss::DbssRename,
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssResult),
        crate::openapi::DbssWrite,
    )
)]
pub async fn update_instance_attribute(
    state: State<AppState>,
    who: Authenticated,
    source: Source,
    Path((project_id, instance_id, attribute)): Path<(String, String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if attribute != "name" {
        return GatewayError::not_found().into_response();
    }
    rename(state, who, source, project_id, instance_id, body)
        .await
        .into_response()
}

/// `{"new_name": …}` → `{"result": "success"}` once the new name is durable.
async fn rename(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    project_id: String,
    instance_id: String,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, DbssError> {
    DbssError::permit(&who, "dbss:instance:rename")?;
    find(&state, &who, &project_id, &instance_id)?;
    let body: Value = crate::body::parse(body)?.ok_or_else(|| invalid("the body is required"))?;
    let name = match body.get("new_name") {
        Some(Value::String(n)) => n.clone(),
        Some(Value::Null) | None => return Err(invalid("new_name is required")),
        Some(_) => return Err(invalid("new_name must be a string")),
    };
    check_name(&name)?;
    let audit = lookup::audit(
        &who,
        source,
        "dbss:instance:rename",
        &instance_id,
        "renamed",
    );
    state
        .engine
        .edit_resource(&instance_id, audit, |_| {
            Ok::<_, DbssError>(ResourceEdit {
                name: Some(name),
                ..ResourceEdit::default()
            })
        })
        .await?;
    Ok(Json(json!({"result": "success"})))
}

fn invalid(what: &str) -> DbssError {
    DbssError::new(
        StatusCode::BAD_REQUEST,
        codes::INVALID_REQUEST,
        format!("Enter a valid request message: {what}"),
    )
}

/// 4 to 64 characters, starting with a letter; letters, digits, `-` and `_` (as the DB services
/// name their instances).
fn check_name(name: &str) -> Result<(), DbssError> {
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if (4..=64).contains(&name.chars().count()) && starts_with_letter && allowed {
        Ok(())
    } else {
        Err(invalid(
            "new_name must be 4 to 64 characters, start with a letter and hold only letters, \
             digits, hyphens (-) and underscores (_)",
        ))
    }
}

/// What is left of the project's quota: instances, vCPUs and memory (MiB).
#[utoipa::path(
    get,
    path = "/v1/{project_id}/instance/quota",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssQuota),
        crate::openapi::DbssRead,
    )
)]
pub async fn show_instance_quota(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
) -> Result<Json<Value>, DbssError> {
    DbssError::permit(&who, "dbss:quota:get")?;
    check_project(&who, &project_id)?;
    let instances = lookup::owned_all(&state, &who, ResourceKind::DbomInstance);
    let sum = |key: &str, default: i64| -> i64 {
        instances
            .iter()
            .map(|r| {
                let v = r.spec.attrs.get(key);
                v.and_then(Value::as_i64)
                    .or_else(|| v.and_then(Value::as_str).and_then(|s| s.parse().ok()))
                    .unwrap_or(default)
            })
            .fold(0i64, i64::saturating_add)
    };
    Ok(Json(json!({
        "project_id": project_id,
        "quota": MAX_INSTANCES.saturating_sub(i64::try_from(instances.len()).unwrap_or(i64::MAX)).max(0),
        "cpu": MAX_CPU.saturating_sub(sum("cpu", 4)).max(0),
        "ram": MAX_RAM_MB.saturating_sub(sum("ram", 8192)).max(0),
    })))
}

#[utoipa::path(
    get,
    path = "/v1/{project_id}/version",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssVersion),
        crate::openapi::DbssRead,
    )
)]
pub async fn show_server_version(
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
) -> Result<Json<Value>, DbssError> {
    DbssError::permit(&who, "dbss:version:get")?;
    check_project(&who, &project_id)?;
    Ok(Json(json!({ "version": VERSION })))
}
