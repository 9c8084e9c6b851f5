//! `POST /v1/{project_id}/db-om/{instance_id}/start|stop|reboot`, `POST /v2/{project_id}/db-om/instances`,
//! `GET` (extension) and `DELETE /v1/{project_id}/db-om/{instance_id}`.

use super::{cluster_json, codes, status_of, DbssError};
use crate::auth::{Authenticated, Source};
use crate::gateway::GatewayError;
use crate::lookup;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::{Action, Lifecycle, ResourceKind};
use switchboard_engine::{PageQuery, ResourceError, ResourceSnapshot, SubmitError};
use switchboard_identity::Principal;

fn invalid_id(what: &str, id: &str) -> DbssError {
    let msg = format!(
        "Invalid request parameter ID: {what} must be 32 to 64 characters, got {}",
        id.len()
    );
    DbssError::new(StatusCode::BAD_REQUEST, codes::INVALID_ID, msg)
}

pub(super) fn not_found(instance_id: &str) -> DbssError {
    DbssError::new(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("The instance {instance_id} does not exist."),
    )
}

pub(super) fn check_project(who: &Principal, project_id: &str) -> Result<(), DbssError> {
    if !(32..=64).contains(&project_id.len()) {
        return Err(invalid_id("project_id", project_id));
    }
    if !lookup::same_project(who, project_id) {
        return Err(DbssError::forbidden());
    }
    Ok(())
}

/// Project and instance ids are 32–64 characters; the instance must be the caller's.
pub(super) fn find(
    state: &AppState,
    who: &Principal,
    project_id: &str,
    instance_id: &str,
) -> Result<ResourceSnapshot, DbssError> {
    check_project(who, project_id)?;
    if !(32..=64).contains(&instance_id.len()) {
        return Err(invalid_id("instance_id", instance_id));
    }
    lookup::owned(state, who, ResourceKind::DbomInstance, instance_id)
        .ok_or_else(|| not_found(instance_id))
}

/// `start`, `stop` or `reboot`; answers `{"result":"success"}` once the operation is accepted.
#[utoipa::path(
    post,
    path = "/v1/{project_id}/db-om/{instance_id}/{operation}",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("instance_id" = String, Path, description = "DB O&M instance id", example = "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        ("operation" = String, Path, description = "Operation"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssResult),
        crate::openapi::DbssWrite,
    )
)]
pub async fn operate_instance(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path((project_id, instance_id, operation)): Path<(String, String, String)>,
) -> Response {
    let action = match operation.as_str() {
        "start" => Action::Start,
        "stop" => Action::Stop,
        "reboot" => Action::Restart,
        _ => return GatewayError::not_found().into_response(),
    };
    operate(&state, &who, source, &project_id, &instance_id, action)
        .await
        .into_response()
}

async fn operate(
    state: &AppState,
    who: &Principal,
    source: Option<String>,
    project_id: &str,
    instance_id: &str,
    action: Action,
) -> Result<Json<Value>, DbssError> {
    let verb = if action == Action::Restart {
        "reboot"
    } else {
        action.as_str()
    };
    let audit_action = format!("dbss:instance:{verb}");
    DbssError::permit(who, &audit_action)?;
    let instance = find(state, who, project_id, instance_id)?;
    let (status, task_status) = status_of(instance.state);
    if instance.active_task.is_some() || instance.state.is_transitional() {
        return Err(DbssError::refused(
            action,
            format!("the instance is {status} with task {task_status}"),
        ));
    }
    match (action, instance.state) {
        (Action::Start, Lifecycle::Running) | (Action::Stop, Lifecycle::Stopped) => {
            return Ok(Json(json!({"result": "success"})));
        }
        (Action::Restart, Lifecycle::Stopped) => {
            return Err(DbssError::refused(action, "the instance is SHUTOFF"))
        }
        _ => {}
    }
    let targets = vec![instance_id.to_string()];
    match lookup::submit(
        state,
        who,
        source,
        "dbss.instance",
        targets,
        action,
        &audit_action,
    )
    .await
    {
        Ok(_) => Ok(Json(json!({"result": "success"}))),
        Err(SubmitError::Conflict { .. }) => Err(DbssError::refused(
            action,
            "another operation is in progress on the instance",
        )),
        Err(SubmitError::UnknownResource(id)) => Err(not_found(&id)),
        Err(SubmitError::Engine(e)) => Err(DbssError::internal(e)),
    }
}

#[utoipa::path(
    post,
    path = "/v2/{project_id}/db-om/instances",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("limit" = Option<u32>, Query, description = "Extension: page size (1 to 1000, default 1000)"),
        ("marker" = Option<String>, Query, description = "Extension: resume after this instance_id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssInstances),
        crate::openapi::DbssRead,
    )
)]
pub async fn list_instances(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DbssError> {
    DbssError::permit(&who, "dbss:instance:list")?;
    check_project(&who, &project_id)?;
    // The contract has no paging (the SDK sends none): an extension in Nova's style, `limit`
    // (1 to 1000, default 1000) and `marker` (the last `instance_id` of a full page).
    let limit = match q.get("limit") {
        None => MAX_LIMIT,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| invalid_request(format!("limit must be 1 to {MAX_LIMIT}, not {l:?}")))?,
    };
    let page = state
        .engine
        .resource_page(&PageQuery {
            project_id: &project_id,
            kind: Some(ResourceKind::DbomInstance),
            marker: q.get("marker").map(String::as_str),
            offset: 0,
            limit,
        })
        .map_err(|e| invalid_request(e.to_string()))?;
    let clusters: Vec<Value> = page.items.iter().map(cluster_json).collect();
    Ok(Json(json!({ "clusters": clusters })))
}

/// The largest page of the instance list, and its size when `limit` is not given.
pub const MAX_LIMIT: usize = 1000;

fn invalid_request(message: String) -> DbssError {
    DbssError::new(
        StatusCode::BAD_REQUEST,
        codes::INVALID_REQUEST,
        format!("Invalid request parameter: {message}"),
    )
}

/// Extension: one entry of the list.
#[utoipa::path(
    get,
    path = "/v1/{project_id}/db-om/{instance_id}",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("instance_id" = String, Path, description = "DB O&M instance id", example = "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssInstance),
        crate::openapi::DbssRead,
    )
)]
pub async fn show_instance(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path((project_id, instance_id)): Path<(String, String)>,
) -> Result<Json<Value>, DbssError> {
    DbssError::permit(&who, "dbss:instance:get")?;
    Ok(Json(cluster_json(&find(
        &state,
        &who,
        &project_id,
        &instance_id,
    )?)))
}

#[utoipa::path(
    delete,
    path = "/v1/{project_id}/db-om/{instance_id}",
    tag = "DBSS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("instance_id" = String, Path, description = "DB O&M instance id", example = "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::DbssResult),
        crate::openapi::DbssWrite,
    )
)]
pub async fn delete_instance(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path((project_id, instance_id)): Path<(String, String)>,
) -> Result<Json<Value>, DbssError> {
    DbssError::permit(&who, "dbss:instance:delete")?;
    let instance = find(&state, &who, &project_id, &instance_id)?;
    let audit = lookup::audit(
        &who,
        source,
        "dbss:instance:delete",
        &instance_id,
        "deleted",
    );
    match state.engine.remove_resource(&instance.spec.id, audit).await {
        Ok(()) => Ok(Json(json!({"result": "success"}))),
        Err(ResourceError::Busy { .. }) => Err(DbssError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_REQUEST,
            format!(
                "The instance {instance_id} cannot be deleted while an operation is in progress."
            ),
        )),
        Err(ResourceError::Unknown(_)) => Err(not_found(&instance_id)),
        Err(e) => Err(DbssError::internal(e)),
    }
}
