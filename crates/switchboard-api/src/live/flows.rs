//! `PUT …/flows/start|stop?flow_id=`, `GET …/flows`, `GET …/flows/detail`, `DELETE …/flows`.

use super::{check_project, detail_json, flow_from_query, permit, status_of, LiveError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::{Action, ResourceKind, TaskState};
use switchboard_engine::{PageQuery, ResourceError, SubmitError};

type Params = Query<HashMap<String, String>>;
type Reply = Result<Json<Value>, LiveError>;

#[utoipa::path(
    put,
    path = "/v1/{project_id}/flows/start",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlowStatus),
        crate::openapi::LiveWrite,
    )
)]
pub async fn start_flow(
    state: State<AppState>,
    who: Authenticated,
    source: Source,
    path: Path<String>,
    q: Params,
) -> Reply {
    change(state, who, source, path, q, Action::Start).await
}

#[utoipa::path(
    put,
    path = "/v1/{project_id}/flows/stop",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlowStatus),
        crate::openapi::LiveWrite,
    )
)]
pub async fn stop_flow(
    state: State<AppState>,
    who: Authenticated,
    source: Source,
    path: Path<String>,
    q: Params,
) -> Reply {
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
) -> Reply {
    let verb = if action == Action::Start {
        "Start"
    } else {
        "Stop"
    };
    let audit_action = format!("live:ott:updateFlowStatus{verb}");
    permit(&who, &audit_action)?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    let reached = |s| Json(json!({"flow_id": flow.spec.id, "status": status_of(s)}));
    if flow.active_task.is_none() && flow.state == action.target_state() {
        return Ok(reached(flow.state));
    }
    let targets = vec![flow.spec.id.to_string()];
    let task = match lookup::submit(
        &state,
        &who,
        source,
        "live.flow",
        targets,
        action,
        &audit_action,
    )
    .await
    {
        Ok(s) => s.task_id,
        Err(SubmitError::Conflict { action: other, .. }) => {
            return Err(LiveError::invalid(format!(
                "flow {} is busy: it is {}",
                flow.spec.id,
                other.progressive()
            )))
        }
        Err(SubmitError::UnknownResource(id)) => {
            return Err(LiveError::invalid(format!("flow_id {id} does not exist")))
        }
        Err(SubmitError::Engine(e)) => return Err(LiveError::internal(e)),
    };
    match state
        .engine
        .wait(task, state.config.live_wait)
        .await
        .map_err(LiveError::internal)?
    {
        Some(TaskState::Failed) => {
            let error = state
                .engine
                .task(task)
                .await
                .ok()
                .flatten()
                .and_then(|v| v.task.error);
            Err(LiveError::invalid(format!(
                "flow {} could not be {}: {}",
                flow.spec.id,
                action.past(),
                error.unwrap_or_default()
            )))
        }
        _ => Ok(reached(
            state
                .engine
                .resource(&flow.spec.id)
                .map_or(flow.state, |r| r.state),
        )),
    }
}

#[utoipa::path(
    get,
    path = "/v1/{project_id}/flows",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("limit" = Option<i64>, Query, description = "Page size (1 to 100, default 10)"),
        ("offset" = Option<i64>, Query, description = "Entries to skip"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlows),
        crate::openapi::LiveRead,
    )
)]
pub async fn list_flows(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Reply {
    permit(&who, "live:ott:listFlow")?;
    check_project(&who, &project_id)?;
    let int = |name: &str, default: i64| -> Result<i64, LiveError> {
        query.get(name).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| LiveError::invalid(format!("{name} must be an integer")))
        })
    };
    let (limit, offset) = (int("limit", 10)?, int("offset", 0)?);
    if !(1..=100).contains(&limit) || offset < 0 {
        return Err(LiveError::invalid(
            "limit must be 1 to 100 and offset at least 0",
        ));
    }
    // One page from the project's index, and a count of it: other flows are not copied.
    let page = state
        .engine
        .resource_page(&PageQuery {
            project_id: &project_id,
            kind: Some(ResourceKind::Flow),
            marker: None,
            offset: offset as usize,
            limit: limit as usize,
        })
        .map_err(|e| LiveError::invalid(e.to_string()))?;
    let total = state
        .engine
        .count_resources(&project_id, Some(ResourceKind::Flow));
    let page: Vec<Value> = page
        .items
        .iter()
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
    Ok(Json(json!({"total": total, "flows": page})))
}

#[utoipa::path(
    get,
    path = "/v1/{project_id}/flows/detail",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlow),
        crate::openapi::LiveRead,
    )
)]
pub async fn flow_detail(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Reply {
    permit(&who, "live:ott:getFlowDetail")?;
    Ok(Json(detail_json(&flow_from_query(
        &state,
        &who,
        &project_id,
        &query,
    )?)))
}

#[utoipa::path(
    delete,
    path = "/v1/{project_id}/flows",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlowStatus),
        crate::openapi::LiveWrite,
    )
)]
pub async fn delete_flow(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Reply {
    permit(&who, "live:ott:deleteFlow")?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    if status_of(flow.state) == "ACTIVE" || flow.active_task.is_some() {
        return Err(LiveError::invalid(format!(
            "flow {} is {}; stop it before deleting it",
            flow.spec.id,
            status_of(flow.state)
        )));
    }
    let audit = lookup::audit(
        &who,
        source,
        "live:ott:deleteFlow",
        &flow.spec.id,
        "deleted",
    );
    match state.engine.remove_resource(&flow.spec.id, audit).await {
        Ok(()) => Ok(Json(json!({"status": "DELETED", "flow_id": flow.spec.id}))),
        Err(ResourceError::Busy { .. }) => {
            Err(LiveError::invalid(format!("flow {} is busy", flow.spec.id)))
        }
        Err(ResourceError::Unknown(id)) => {
            Err(LiveError::invalid(format!("flow_id {id} does not exist")))
        }
        Err(e) => Err(LiveError::internal(e)),
    }
}
