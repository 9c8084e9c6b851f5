//! `GET /switchboard/v1/tasks[/{id}]` and `POST /switchboard/v1/tasks/{id}/cancel`.

use super::{NativeError, Page};
use crate::auth::{Authenticated, Source};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use std::collections::HashMap;
use switchboard_core::TaskState;
use switchboard_engine::{step_json, task_json, task_object, TaskView};
use switchboard_identity::Principal;
use switchboard_store::TaskFilter;

fn view_json(v: &TaskView) -> Value {
    let mut out = task_json(&v.task);
    out["steps"] = v
        .steps
        .iter()
        .map(|s| step_json(&s.record, &s.resource_name))
        .collect();
    out
}

fn parse_id(raw: &str) -> Result<i64, NativeError> {
    raw.parse()
        .map_err(|_| NativeError::bad_request(format!("task id must be an integer, not {raw:?}")))
}

async fn visible_task(
    state: &AppState,
    who: &Principal,
    raw: &str,
) -> Result<TaskView, NativeError> {
    let id = parse_id(raw)?;
    state
        .engine
        .task(id)
        .await
        .map_err(NativeError::internal)?
        .filter(|v| who.project_id.as_deref() == Some(v.task.project_id.as_str()))
        .ok_or_else(|| NativeError::not_found(format!("task {raw} does not exist")))
}

#[utoipa::path(
    get,
    path = "/switchboard/v1/tasks/{id}",
    tag = "Switchboard",
    params(
        ("id" = String, Path, description = "Id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeTask),
        crate::openapi::NativeRead,
    )
)]
pub async fn get_task(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(raw): Path<String>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:task:get")?;
    Ok(Json(view_json(&visible_task(&state, &who, &raw).await?)))
}

#[utoipa::path(
    get,
    path = "/switchboard/v1/tasks",
    tag = "Switchboard",
    params(
        ("limit" = Option<u32>, Query, description = "Page size"),
        ("offset" = Option<u32>, Query, description = "Entries to skip (costs what it skips: prefer `marker`)"),
        ("marker" = Option<i64>, Query, description = "Only tasks older than this id (the previous page's `next_marker`)"),
        ("state" = Option<String>, Query, description = "Task state"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeTasks),
        crate::openapi::NativeRead,
    )
)]
pub async fn list_tasks(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, NativeError> {
    NativeError::permit(&who, "switchboard:task:list")?;
    let (limit, offset) = Page(&q).bounds()?;
    let wanted = match q.get("state").map(String::as_str) {
        None => None,
        Some(s) => Some(
            TaskState::parse(s)
                .ok_or_else(|| NativeError::bad_request(format!("unknown task state {s:?}")))?,
        ),
    };
    let before = match q.get("marker") {
        None => None,
        Some(m) => Some(m.parse::<i64>().map_err(|_| {
            NativeError::bad_request(format!("marker must be a task id, not {m:?}"))
        })?),
    };
    let Some(project_id) = who.project_id.clone() else {
        let none: [i64; 0] = [];
        return Ok(Json(TasksPage {
            tasks: &none,
            limit,
            offset,
            next_marker: None,
        })
        .into_response());
    };
    let filter = TaskFilter {
        project_id: Some(project_id),
        state: wanted,
        // The id a family call answered with (`X-Request-Id`), to find the task it started.
        request_id: q.get("request_id").cloned(),
        before,
        limit,
        offset,
    };
    let tasks = state
        .store
        .tasks(&filter)
        .await
        .map_err(NativeError::internal)?;
    // A full page may have a next one: it starts below the last id shown.
    let next_marker = match tasks.last() {
        Some(last) if tasks.len() as i64 == limit => Some(last.id),
        _ => None,
    };
    // Serialized straight from the records: no `Value` tree per task.
    let objects: Vec<_> = tasks.iter().map(task_object).collect();
    Ok(Json(TasksPage {
        tasks: &objects,
        limit,
        offset,
        next_marker,
    })
    .into_response())
}

/// The task list's body.
#[derive(serde::Serialize)]
struct TasksPage<'a, T: serde::Serialize> {
    tasks: &'a [T],
    limit: i64,
    offset: i64,
    next_marker: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/switchboard/v1/tasks/{id}/cancel",
    tag = "Switchboard",
    params(
        ("id" = String, Path, description = "Id"),
    ),
    responses(
        (status = 202, description = "Accepted", body = crate::openapi::native::NativeTask),
        crate::openapi::NativeWrite,
    )
)]
pub async fn cancel_task(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(raw): Path<String>,
) -> Result<(StatusCode, Json<Value>), NativeError> {
    NativeError::permit(&who, "switchboard:task:cancel")?;
    let view = visible_task(&state, &who, &raw).await?;
    if view.task.state.is_terminal() {
        return Err(NativeError::conflict(format!(
            "task {} already finished ({})",
            view.task.id,
            view.task.state.as_str()
        )));
    }
    let target = view.task.id.to_string();
    let audit = crate::lookup::audit(&who, source, "switchboard:task:cancel", &target, "accepted");
    let task = state
        .engine
        .cancel(view.task.id, audit)
        .await
        .map_err(NativeError::internal)?
        .ok_or_else(|| NativeError::not_found(format!("task {raw} does not exist")))?;
    Ok((StatusCode::ACCEPTED, Json(task_json(&task))))
}
