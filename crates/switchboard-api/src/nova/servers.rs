//! `GET /v2.1/{project_id}/servers/{server_id}` and `POST …/servers/{server_id}/action`
//! (reboot, os-start, os-stop).

use super::query::Params;
use super::render::{compute_base, NovaState};
use super::view::Context;
use super::{check_project, with_compute_headers, Microversion, NovaError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use switchboard_core::{Action, ResourceKind};
use switchboard_engine::{ResourceSnapshot, SubmitError};
use switchboard_identity::Principal;

pub(super) fn find(
    state: &AppState,
    who: &Principal,
    project_id: &str,
    server_id: &str,
) -> Result<ResourceSnapshot, NovaError> {
    check_project(who, project_id)?;
    lookup::owned(state, who, ResourceKind::Server, server_id)
        .ok_or_else(|| NovaError::not_found(server_id))
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaServer),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_server(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path((project_id, server_id)): Path<(String, String)>,
    p: Params,
) -> Response {
    let shown = NovaError::permit(&who, "nova:server:get")
        // From 2.102 show takes no query parameters.
        .and_then(|()| match version.at_least(102) {
            true => p.only(&[]),
            false => Ok(()),
        })
        .and_then(|()| find(&state, &who, &project_id, &server_id));
    let response = match shown {
        Ok(s) => {
            let base = compute_base(&state, &headers);
            let c = Context {
                state: &state,
                who: &who,
                base: &base,
                version,
            };
            match state.store.metadata(&s.spec.id).await {
                Ok(stored) => {
                    let body = super::server_body::show(&c, &s, stored.as_ref());
                    ([(CONTENT_TYPE, "application/json")], body).into_response()
                }
                Err(e) => NovaError::internal(e).into_response(),
            }
        }
        Err(e) => e.into_response(),
    };
    with_compute_headers(response, &version)
}

#[utoipa::path(
    post,
    path = "/v2.1/{project_id}/servers/{server_id}/action",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    request_body = crate::openapi::compute::NovaServerAction,
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaActionOutput),
        (status = 202, description = "Accepted"),
        (status = 204, description = "No Content"),
        crate::openapi::NovaWrite,
    )
)]
pub async fn server_action(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    version: Microversion,
    Path((project_id, server_id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let console = body.as_ref().ok();
    if let Some(r) = super::console::intercept(&state, &who, &project_id, &server_id, console).await
    {
        return with_compute_headers(r, &version);
    }
    let response = match act(&state, &who, source, &project_id, &server_id, body).await {
        Ok(()) => {
            let status = StatusCode::from_u16(state.config.nova_action_status)
                .unwrap_or(StatusCode::NO_CONTENT);
            status.into_response()
        }
        Err(e) => e.into_response(),
    };
    with_compute_headers(response, &version)
}

async fn act(
    state: &AppState,
    who: &Principal,
    source: Option<String>,
    project_id: &str,
    server_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<(), NovaError> {
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| NovaError::bad_request("Malformed request body"))?;
    // Like Nova, an unknown action is refused before the server is looked up.
    let (action, name) = parse_action(&body)?;
    NovaError::permit(who, &format!("nova:server:{name}"))?;
    let server = find(state, who, project_id, server_id)?;
    check_precondition(&server, action, name)?;
    let audit_action = format!("nova:server:{name}");
    match lookup::submit(
        state,
        who,
        source,
        "nova.server",
        vec![server.spec.id.to_string()],
        action,
        &audit_action,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(SubmitError::Conflict { action: busy, .. }) => Err(NovaError::conflict(format!(
            "Cannot '{name}' instance {server_id} while it is in task_state {}",
            NovaState::of(busy.pending_state())
                .task_state
                .unwrap_or("busy")
        ))),
        Err(SubmitError::UnknownResource(_)) => Err(NovaError::not_found(server_id)),
        Err(SubmitError::Engine(e)) => Err(NovaError::internal(e)),
    }
}

/// The one action of the body, with Nova's name for it in messages.
fn parse_action(body: &Value) -> Result<(Action, &'static str), NovaError> {
    let obj = body
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| NovaError::bad_request("Malformed request body"))?;
    let known: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| matches!(*k, "reboot" | "os-start" | "os-stop"))
        .collect();
    match known.as_slice() {
        [] => Err(NovaError::bad_request(format!(
            "There is no such action: {}",
            obj.keys().next().map(String::as_str).unwrap_or("")
        ))),
        ["os-start"] => Ok((Action::Start, "start")),
        ["os-stop"] => Ok((Action::Stop, "stop")),
        ["reboot"] => {
            let reboot = &obj["reboot"];
            let valid = reboot.as_object().is_some_and(|r| {
                r.len() == 1
                    && matches!(
                        r.get("type").and_then(Value::as_str),
                        Some("HARD" | "Hard" | "hard" | "SOFT" | "Soft" | "soft")
                    )
            });
            if !valid {
                return Err(NovaError::bad_request(format!(
                    "Invalid input for field/attribute reboot. Value: {reboot}. 'type' is a required property \
                     and must be one of HARD, Hard, hard, SOFT, Soft, soft; no other properties are allowed"
                )));
            }
            // BMS performs every reboot as HARD: "SOFT is invalid; all restarts are forcible".
            Ok((Action::Restart, "reboot"))
        }
        _ => Err(NovaError::bad_request("Malformed request body")),
    }
}

/// Nova's state checks: stop needs active or error, start needs stopped, both with no task;
/// a HARD reboot is allowed from active, stopped or error unless powering on or off.
fn check_precondition(
    server: &ResourceSnapshot,
    action: Action,
    name: &str,
) -> Result<(), NovaError> {
    let nova = NovaState::of(server.state);
    let id = &server.spec.id;
    let refuse = |attr: &str, value: &str| {
        NovaError::conflict(format!(
            "Cannot '{name}' instance {id} while it is in {attr} {value}"
        ))
    };
    match (action, nova.task_state) {
        (Action::Restart, Some("reboot_started_hard")) => return Ok(()),
        (_, Some(task)) => return Err(refuse("task_state", task)),
        (_, None) if server.active_task.is_some() => {
            return Err(refuse("task_state", "scheduling"))
        }
        _ => {}
    }
    let allowed = match action {
        Action::Start => nova.vm_state == "stopped",
        Action::Stop => matches!(nova.vm_state, "active" | "error"),
        Action::Restart => matches!(nova.vm_state, "active" | "stopped" | "error"),
    };
    if allowed {
        Ok(())
    } else {
        Err(refuse("vm_state", nova.vm_state))
    }
}
