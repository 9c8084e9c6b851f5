//! `GET /v2.1/{project_id}/servers[/detail]`, `GET …/servers/{server_id}` and
//! `POST …/servers/{server_id}/action` (reboot, os-start, os-stop).

use super::render::{self, NovaState};
use super::{with_compute_headers, Microversion, NovaError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::{Action, ResourceKind};
use switchboard_engine::{ResourceSnapshot, SubmitError};
use switchboard_identity::Principal;

pub(super) fn check_project(who: &Principal, project_id: &str) -> Result<(), NovaError> {
    if lookup::same_project(who, project_id) {
        Ok(())
    } else {
        Err(NovaError::new(
            StatusCode::FORBIDDEN,
            format!("Project {project_id} is not the project of the token."),
        ))
    }
}

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

/// The caller's servers, filtered by `name` (a substring, where Nova takes a regular expression).
fn matching(
    state: &AppState,
    who: &Principal,
    query: &HashMap<String, String>,
) -> Vec<ResourceSnapshot> {
    let name = query.get("name").map(String::as_str).unwrap_or("");
    lookup::owned_all(state, who, ResourceKind::Server)
        .into_iter()
        .filter(|s| s.spec.name.contains(name))
        .collect()
}

pub async fn list_servers(
    state: State<AppState>,
    who: Authenticated,
    version: Microversion,
    headers: HeaderMap,
    path: Path<String>,
    query: Query<HashMap<String, String>>,
) -> Response {
    list(state, who, version, headers, path, query, false).await
}

pub async fn list_servers_detail(
    state: State<AppState>,
    who: Authenticated,
    version: Microversion,
    headers: HeaderMap,
    path: Path<String>,
    query: Query<HashMap<String, String>>,
) -> Response {
    list(state, who, version, headers, path, query, true).await
}

/// `{"servers": […]}`: id, name and links, or (`detail`) the full server bodies.
async fn list(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    detail: bool,
) -> Response {
    if let Err(e) =
        NovaError::permit(&who, "nova:server:list").and_then(|()| check_project(&who, &project_id))
    {
        return with_compute_headers(e.into_response(), &version);
    }
    let base = crate::prefix::base(&state, &headers);
    let mut servers: Vec<Value> = matching(&state, &who, &query)
        .iter()
        .map(|s| {
            if detail {
                render::server(s, &base, &version)
            } else {
                render::summary(s, &base)
            }
        })
        .collect();
    if detail {
        if let Err(e) = super::metadata::fill(&state, &mut servers).await {
            return with_compute_headers(e.into_response(), &version);
        }
    }
    with_compute_headers(
        Json(json!({ "servers": servers })).into_response(),
        &version,
    )
}

pub async fn show_server(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path((project_id, server_id)): Path<(String, String)>,
) -> Response {
    if let Err(e) = NovaError::permit(&who, "nova:server:get") {
        return with_compute_headers(e.into_response(), &version);
    }
    match find(&state, &who, &project_id, &server_id) {
        Ok(s) => {
            let mut server = [render::server(
                &s,
                &crate::prefix::base(&state, &headers),
                &version,
            )];
            if let Err(e) = super::metadata::fill(&state, &mut server).await {
                return with_compute_headers(e.into_response(), &version);
            }
            let [server] = server;
            with_compute_headers(Json(json!({ "server": server })).into_response(), &version)
        }
        Err(e) => with_compute_headers(e.into_response(), &version),
    }
}

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
