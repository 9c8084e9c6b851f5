//! `GET /web/v1/common/command/{command_id}/progress`.

use super::{codes, MrsError};
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::{Action, StepState, TaskState};

#[utoipa::path(
    get,
    path = "/web/v1/common/command/{command_id}/progress",
    tag = "MRS",
    params(
        ("command_id" = String, Path, description = "Command id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::MrsCommand),
        crate::openapi::MrsRead,
    )
)]
pub async fn command_progress(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(raw_id): Path<String>,
) -> Result<Json<Value>, MrsError> {
    super::permit(&who, "mrs:command:get")?;
    let missing = || {
        MrsError::new(
            StatusCode::NOT_FOUND,
            codes::NO_SUCH_COMMAND,
            format!("command {raw_id} does not exist"),
        )
    };
    let id: i64 = raw_id.parse().map_err(|_| {
        MrsError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_PARAMETER,
            format!("command_id must be an integer, not {raw_id:?}"),
        )
    })?;
    let view = state
        .engine
        .task(id)
        .await
        .map_err(MrsError::internal)?
        .ok_or_else(missing)?;
    let task = view.task;
    if task.kind != "mrs.service" || who.project_id.as_deref() != Some(task.project_id.as_str()) {
        return Err(missing());
    }
    let cluster_id = task
        .target_id
        .as_deref()
        .and_then(|t| state.engine.resource(t))
        .and_then(|r| r.spec.cluster)
        .unwrap_or(1);
    let steps: Vec<Value> = view
        .steps
        .iter()
        .map(|s| {
            let r = &s.record;
            json!({
                "name": format!("{} {}", verb(r.action), s.resource_name),
                "description": describe(r.state, r.error.as_deref(), r.attempts),
                "state": r.state.as_str(),
            })
        })
        .collect();
    let failed: Vec<Value> = view
        .steps
        .iter()
        .filter(|s| s.record.state == StepState::Failed)
        .map(|s| json!({"fail_entity": s.resource_name, "operation_type": s.record.action.as_str().to_uppercase()}))
        .collect();
    let (state_name, code, description) = match task.state {
        TaskState::New | TaskState::InProgress => ("IN_PROGRESS", 0, String::new()),
        TaskState::Complete => ("COMPLETE", 0, String::new()),
        TaskState::Failed => (
            "FAILED",
            codes::COMMAND_FAILED,
            task.error.clone().unwrap_or_default(),
        ),
        TaskState::Cancelled => (
            "FAILED",
            codes::COMMAND_FAILED,
            "the command was cancelled".to_string(),
        ),
    };
    Ok(Json(json!({
        "id": task.id,
        "state": state_name,
        "error_code": code,
        "error_description": description,
        "total_progress": task.progress,
        "res_obj": {
            "cluster_id": cluster_id,
            "step_list": steps,
            "fail_entity_list": failed,
            "total_step_size": view.steps.len(),
        },
    })))
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Start => "Start",
        Action::Stop => "Stop",
        Action::Restart => "Restart",
    }
}

fn describe(state: StepState, error: Option<&str>, attempts: u32) -> String {
    match state {
        StepState::Pending => "Waiting".into(),
        StepState::Running if attempts > 1 => format!("In progress (attempt {attempts})"),
        StepState::Running => "In progress".into(),
        StepState::Done => "Complete".into(),
        StepState::Failed => format!("Failed: {}", error.unwrap_or("unknown error")),
        StepState::Skipped => "Skipped: a prerequisite failed".into(),
        StepState::Cancelled => "Cancelled".into(),
    }
}
