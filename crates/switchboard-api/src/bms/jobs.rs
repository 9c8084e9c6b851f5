//! `GET /v1/{project_id}/jobs/{job_id}`: a batch job and one `baremetalSingleOperate` sub-job
//! per server.

use super::{tenant_mismatch, BmsError};
use crate::auth::Authenticated;
use crate::lookup;
use crate::time::iso_millis;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::{StepState, TaskState};

#[utoipa::path(
    get,
    path = "/v1/{project_id}/jobs/{job_id}",
    tag = "BMS",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("job_id" = String, Path, description = "Job id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::BmsJob),
        crate::openapi::BmsRead,
    )
)]
pub async fn show_job(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path((project_id, job_id)): Path<(String, String)>,
) -> Result<Json<Value>, BmsError> {
    super::permit(&who, "bms:jobs:get")?;
    if !lookup::same_project(&who, &project_id) {
        return Err(tenant_mismatch());
    }
    let missing = || {
        BmsError::new(
            StatusCode::NOT_FOUND,
            "BMS.0004",
            format!("The job {job_id} does not exist."),
        )
    };
    let id: i64 = job_id.parse().map_err(|_| missing())?;
    let view = state
        .engine
        .task(id)
        .await
        .map_err(BmsError::internal)?
        .ok_or_else(missing)?;
    let task = &view.task;
    if task.kind != "bms.batch" || task.project_id != project_id {
        return Err(missing());
    }
    let sub_jobs: Vec<Value> = view
        .steps
        .iter()
        .map(|s| {
            let r = &s.record;
            let (status, failed) = match r.state {
                StepState::Pending => ("INIT", false),
                StepState::Running => ("RUNNING", false),
                StepState::Done => ("SUCCESS", false),
                StepState::Failed | StepState::Skipped | StepState::Cancelled => ("FAIL", true),
            };
            json!({
                "status": status,
                "entities": {"server_id": r.resource_id},
                "job_id": format!("{}-{}", task.id, r.idx),
                "job_type": "baremetalSingleOperate",
                "begin_time": r.started_at.map(iso_millis),
                "end_time": r.finished_at.map(iso_millis),
                "error_code": failed.then_some("BMS.0006"),
                "fail_reason": if failed { Some(r.error.clone().unwrap_or_else(|| r.state.as_str().to_lowercase())) } else { None },
            })
        })
        .collect();
    let started = view
        .steps
        .iter()
        .any(|s| s.record.state != StepState::Pending);
    let status = match task.state {
        TaskState::New => "INIT",
        TaskState::InProgress if !started => "INIT",
        TaskState::InProgress => "RUNNING",
        TaskState::Complete => "SUCCESS",
        TaskState::Failed | TaskState::Cancelled => "FAIL",
    };
    let failed = matches!(task.state, TaskState::Failed | TaskState::Cancelled);
    Ok(Json(json!({
        "status": status,
        "entities": {"sub_jobs_total": sub_jobs.len(), "sub_jobs": sub_jobs},
        "job_id": task.id.to_string(),
        "job_type": "baremetalBatchOperate",
        "begin_time": iso_millis(task.created_at),
        "end_time": task.finished_at.map(iso_millis),
        "error_code": failed.then_some("BMS.0006"),
        "fail_reason": if failed { Some(task.error.clone().unwrap_or_else(|| "the job was cancelled".into())) } else { None },
    })))
}
