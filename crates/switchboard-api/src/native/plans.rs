//! `POST /switchboard/v1/plans`: what starting, stopping or restarting resources would do,
//! computed exactly as the operation would plan it, without doing anything (a read).

use super::user_body::body;
use super::NativeError;
use crate::auth::Authenticated;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::{Action, ResourceKind};
use switchboard_engine::SubmitError;

/// Most resources one plan may name.
const MAX_RESOURCES: usize = 1000;

/// A plan request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanRequest {
    /// Resource ids (1 to 1000), as `GET /switchboard/v1/resources` lists them.
    resources: Vec<String>,
    /// `start`, `stop` or `restart`.
    action: String,
    /// Also act on what the targets depend on (start) or what depends on them (stop); the
    /// families' `only_self = false`. Default true.
    #[serde(default = "with_dependencies")]
    with_dependencies: bool,
}

fn with_dependencies() -> bool {
    true
}

#[utoipa::path(
    post,
    path = "/switchboard/v1/plans",
    tag = "Switchboard",
    request_body = PlanRequest,
    responses(
        (status = 200, description = "The plan; nothing is claimed or started", body = crate::openapi::native::NativePlan),
        crate::openapi::NativeWrite,
    )
)]
pub async fn preview_plan(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:resource:list")?;
    let req: PlanRequest = body(raw)?;
    let action = Action::parse(&req.action).ok_or_else(|| {
        NativeError::bad_request(format!(
            "action must be start, stop or restart, not {:?}",
            req.action
        ))
    })?;
    if req.resources.is_empty() || req.resources.len() > MAX_RESOURCES {
        return Err(NativeError::bad_request(format!(
            "resources must name 1 to {MAX_RESOURCES} resources, not {}",
            req.resources.len()
        )));
    }
    // Another project's resource answers like an unknown one.
    let mut names = Vec::with_capacity(req.resources.len());
    for id in &req.resources {
        match state.engine.resource(id) {
            Some(r) if who.project_id.as_deref() == Some(r.spec.project_id.as_str()) => {
                names.push(r.spec.name.clone())
            }
            _ => return Err(unknown(id)),
        }
    }
    let only_self = !req.with_dependencies;
    match state.engine.preview(&req.resources, action, only_self) {
        Ok(plan) => {
            let steps: Vec<Value> = plan
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    json!({
                        "index": i, "resource_id": s.resource.id, "resource_name": s.resource.name,
                        "kind": s.resource.kind.as_str(), "action": s.action.as_str(),
                        "mode": if s.follow_task.is_some() { "follow" } else { "run" },
                        "follow_task": s.follow_task, "after": s.after,
                    })
                })
                .collect();
            Ok(Json(
                json!({"plan": {"steps": steps, "existing_task": plan.existing_task}}),
            ))
        }
        Err(SubmitError::Conflict {
            resource,
            task,
            action: busy,
        }) => {
            let (noun, name) = state.engine.resource(&resource).map_or_else(
                || ("resource", resource.clone()),
                |r| (noun(r.spec.kind), r.spec.name.clone()),
            );
            Err(NativeError::conflict(format!(
                "cannot {} {}: {noun} {name} is busy, command {task} is performing {} on it",
                action.as_str(),
                names.join(", "),
                busy.as_str()
            )))
        }
        Err(SubmitError::UnknownResource(id)) => Err(unknown(&id)),
        Err(SubmitError::Engine(e)) => Err(NativeError::internal(e)),
    }
}

fn unknown(id: &str) -> NativeError {
    NativeError::not_found(format!("resource {id} does not exist"))
}

/// How the busy message names a resource (MRS's "service zookeeper is busy, …").
fn noun(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ClusterService => "service",
        ResourceKind::DbomInstance => "instance",
        ResourceKind::Flow => "flow",
        ResourceKind::Server => "server",
    }
}
