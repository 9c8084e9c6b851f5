//! `POST /v1/{project_id}/baremetalservers/action` with `os-start`, `os-stop` or `reboot`.

use super::{tenant_mismatch, BmsError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashSet;
use switchboard_core::{Action, Lifecycle, ResourceKind};
use switchboard_engine::SubmitError;

const MAX_SERVERS: usize = 1000;

#[utoipa::path(
    post,
    path = "/v1/{project_id}/baremetalservers/action",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    request_body = crate::openapi::live_bms::BmsBatchAction,
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsJobId),
        crate::openapi::BmsWrite,
    )
)]
pub async fn batch_action(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, BmsError> {
    if !lookup::same_project(&who, &project_id) {
        return Err(tenant_mismatch());
    }
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| BmsError::bad("BMS.0001", "request parse error: empty body"))?;
    let (action, name, ids) = parse(&body)?;
    crate::faults::name_resources(&state, &ids);
    super::permit(&who, &format!("bms:servers:{name}"))?;
    for id in &ids {
        let server = lookup::owned(&state, &who, ResourceKind::Server, id)
            .ok_or_else(|| BmsError::bad("BMS.0040", format!("The server does not exist: {id}")))?;
        check_state(server.state, server.active_task.is_some(), action, name, id)?;
    }
    let audit_action = format!("bms:servers:{name}");
    match lookup::submit(
        &state,
        &who,
        source,
        "bms.batch",
        ids,
        action,
        &audit_action,
    )
    .await
    {
        Ok(s) => Ok(Json(json!({"job_id": s.task_id.to_string()}))),
        Err(SubmitError::Conflict {
            resource,
            action: busy,
            ..
        }) => Err(busy_error(busy.pending_state(), name, &resource)
            .unwrap_or_else(|| BmsError::bad("BMS.0006", "Fail to operate baremetal server"))),
        Err(SubmitError::UnknownResource(id)) => Err(BmsError::bad(
            "BMS.0040",
            format!("The server does not exist: {id}"),
        )),
        Err(SubmitError::Engine(e)) => Err(BmsError::internal(e)),
    }
}

/// (action, name for messages, server ids) of a valid body.
fn parse(body: &Value) -> Result<(Action, &'static str, Vec<String>), BmsError> {
    let invalid = |m: String| BmsError::bad("BMS.0018", format!("Invalid parameter: {m}"));
    let obj = body
        .as_object()
        .ok_or_else(|| invalid("the body must be a JSON object".into()))?;
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let (action, name) = match keys.as_slice() {
        ["os-start"] => (Action::Start, "start"),
        ["os-stop"] => (Action::Stop, "stop"),
        ["reboot"] => (Action::Restart, "reboot"),
        _ => {
            return Err(invalid(
                "the body must hold exactly one of os-start, os-stop, reboot".into(),
            ))
        }
    };
    let op = obj[keys[0]]
        .as_object()
        .ok_or_else(|| invalid(format!("{} must be an object", keys[0])))?;
    if let Some(t) = op.get("type") {
        if action == Action::Start || !matches!(t.as_str(), Some("HARD" | "SOFT")) {
            return Err(invalid(format!(
                "type {t} is not allowed here (HARD or SOFT for os-stop and reboot)"
            )));
        }
    }
    let servers = op
        .get("servers")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("servers is required".into()))?;
    if servers.is_empty() || servers.len() > MAX_SERVERS {
        return Err(invalid(format!(
            "servers must hold 1 to {MAX_SERVERS} entries, not {}",
            servers.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(servers.len());
    for s in servers {
        let id = s
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("every server needs an id string".into()))?;
        if !seen.insert(id) {
            return Err(invalid(format!("server {id} is listed twice")));
        }
        ids.push(id.to_string());
    }
    Ok((action, name, ids))
}

/// BMS.0035–0039: a server in transition, or already where the action would take it.
fn check_state(
    state: Lifecycle,
    claimed: bool,
    action: Action,
    name: &str,
    id: &str,
) -> Result<(), BmsError> {
    if let Some(err) = busy_error(state, name, id) {
        return Err(err);
    }
    if claimed {
        return Err(BmsError::bad(
            "BMS.0006",
            format!("Fail to operate baremetal server {id}: another job is running on it"),
        ));
    }
    match (action, state) {
        (Action::Start, Lifecycle::Running) => Err(BmsError::bad(
            "BMS.0038",
            format!("Server is running, not allow to start: {id}"),
        )),
        (Action::Stop, Lifecycle::Stopped) => Err(BmsError::bad(
            "BMS.0039",
            format!("Server is stopped, not allow to stop: {id}"),
        )),
        _ => Ok(()),
    }
}

fn busy_error(state: Lifecycle, name: &str, id: &str) -> Option<BmsError> {
    let (code, what) = match state {
        Lifecycle::Starting => ("BMS.0035", "powering on"),
        Lifecycle::Stopping => ("BMS.0036", "powering off"),
        Lifecycle::Restarting => ("BMS.0037", "rebooting"),
        _ => return None,
    };
    Some(BmsError::bad(
        code,
        format!("Server is {what}, not allow to {name}: {id}"),
    ))
}
