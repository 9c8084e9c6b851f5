//! `PUT …/flows/start|stop?flow_id=`, `GET …/flows`, `GET …/flows/detail`, `DELETE …/flows`.

use super::{check_project, detail_json, flow_from_query, status_of, LiveError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::{Action, ResourceKind, TaskState};
use switchboard_engine::{ResourceError, SubmitError};

type Params = Query<HashMap<String, String>>;

pub async fn start_flow(
    state: State<AppState>,
    who: Authenticated,
    source: Source,
    path: Path<String>,
    q: Params,
) -> Response {
    change(state, who, source, path, q, Action::Start).await
}

pub async fn stop_flow(
    state: State<AppState>,
    who: Authenticated,
    source: Source,
    path: Path<String>,
    q: Params,
) -> Response {
    change(state, who, source, path, q, Action::Stop).await
}

/// Starts or stops the flow and answers once it is ACTIVE or STANDBY, or when the configured
/// wait is over (then with its current status; the operation carries on).
async fn change(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Params,
    action: Action,
) -> Response {
    let verb = if action == Action::Start {
        "Start"
    } else {
        "Stop"
    };
    let audit_action = format!("live:ott:updateFlowStatus{verb}");
    if let Err(e) = super::permit(&who, &audit_action) {
        return e.into_response();
    }
    let flow = match flow_from_query(&state, &who, &project_id, &query) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let reached = |snapshot_state| {
        Json(json!({"flow_id": flow.spec.id, "status": status_of(snapshot_state)})).into_response()
    };
    if flow.active_task.is_none() && flow.state == action.target_state() {
        return reached(flow.state);
    }
    let submitted = lookup::submit(
        &state,
        &who,
        source,
        "live.flow",
        vec![flow.spec.id.to_string()],
        action,
        &audit_action,
    )
    .await;
    let task = match submitted {
        Ok(s) => s.task_id,
        Err(SubmitError::Conflict { action: other, .. }) => {
            return LiveError::invalid(format!(
                "flow {} is busy: it is {}",
                flow.spec.id,
                other.progressive()
            ))
            .into_response();
        }
        Err(SubmitError::UnknownResource(id)) => {
            return LiveError::invalid(format!("flow_id {id} does not exist")).into_response()
        }
        Err(SubmitError::Engine(e)) => return LiveError::internal(e).into_response(),
    };
    match state.engine.wait(task, state.config.live_wait).await {
        Ok(Some(TaskState::Failed)) => {
            let error = state
                .engine
                .task(task)
                .await
                .ok()
                .flatten()
                .and_then(|v| v.task.error);
            LiveError::invalid(format!(
                "flow {} could not be {}: {}",
                flow.spec.id,
                action.past(),
                error.unwrap_or_default()
            ))
            .into_response()
        }
        Ok(_) => reached(
            state
                .engine
                .resource(&flow.spec.id)
                .map_or(flow.state, |r| r.state),
        ),
        Err(e) => LiveError::internal(e).into_response(),
    }
}

pub async fn list_flows(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Response {
    if let Err(e) = super::permit(&who, "live:ott:listFlow") {
        return e.into_response();
    }
    if let Err(e) = check_project(&who, &project_id) {
        return e.into_response();
    }
    let int = |name: &str, default: i64| -> Result<i64, LiveError> {
        query.get(name).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| LiveError::invalid(format!("{name} must be an integer")))
        })
    };
    let (limit, offset) = match (int("limit", 10), int("offset", 0)) {
        (Ok(l), Ok(o)) if (1..=100).contains(&l) && o >= 0 => (l as usize, o as usize),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
        _ => {
            return LiveError::invalid("limit must be 1 to 100 and offset at least 0")
                .into_response()
        }
    };
    let flows = lookup::owned_all(&state, &who, ResourceKind::Flow);
    let page: Vec<Value> = flows
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| {
            let a = &r.spec.attrs;
            json!({
                "name": r.spec.name,
                "region": a.get("region").cloned().unwrap_or(json!("")),
                "flow_id": r.spec.id,
                "status": status_of(r.state),
                "description": a.get("description").cloned().unwrap_or(json!("")),
                "protocol": a.pointer("/sources/0/protocol").cloned().unwrap_or(json!("")),
            })
        })
        .collect();
    Json(json!({"total": flows.len(), "flows": page})).into_response()
}

pub async fn flow_detail(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Response {
    if let Err(e) = super::permit(&who, "live:ott:getFlowDetail") {
        return e.into_response();
    }
    match flow_from_query(&state, &who, &project_id, &query) {
        Ok(flow) => Json(detail_json(&flow)).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn delete_flow(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Response {
    if let Err(e) = super::permit(&who, "live:ott:deleteFlow") {
        return e.into_response();
    }
    let flow = match flow_from_query(&state, &who, &project_id, &query) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if status_of(flow.state) == "ACTIVE" || flow.active_task.is_some() {
        return LiveError::invalid(format!(
            "flow {} is {}; stop it before deleting it",
            flow.spec.id,
            status_of(flow.state)
        ))
        .into_response();
    }
    let audit = lookup::audit(
        &who,
        source,
        "live:ott:deleteFlow",
        &flow.spec.id,
        "deleted",
    );
    match state.engine.remove_resource(&flow.spec.id, audit).await {
        Ok(()) => Json(json!({"status": "DELETED", "flow_id": flow.spec.id})).into_response(),
        Err(ResourceError::Busy { .. }) => {
            LiveError::invalid(format!("flow {} is busy", flow.spec.id)).into_response()
        }
        Err(ResourceError::Unknown(id)) => {
            LiveError::invalid(format!("flow_id {id} does not exist")).into_response()
        }
        Err(e) => LiveError::internal(e).into_response(),
    }
}
