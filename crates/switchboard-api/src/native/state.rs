//! Reset and snapshots (`/switchboard/v1/state/…`). `POST reset` puts a project's resources
//! (or every one) back in the inventory's initial state, cancels the tasks in flight there and
//! removes its fault rules; a project administrator resets its own projects only. `GET` and
//! `PUT snapshot` export and restore the whole state: system administrators only.

use super::NativeError;
use crate::admin_scope::AdminScope;
use crate::auth::{Authenticated, Source};
use crate::transitions::clear_transitions;
use crate::{lookup, snapshot, AppState};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;
use switchboard_engine::{EngineError, ResetScope};
use switchboard_identity::Principal;
use switchboard_store::{Priority, StoreError, Write};

const RESET: &str = "switchboard:state:reset";
const EXPORT: &str = "switchboard:state:export";

/// The reset's body; every flag defaults to true.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    project: Option<String>,
    resources: Option<bool>,
    tasks: Option<bool>,
    faults: Option<bool>,
    transitions: Option<bool>,
}

/// The project ids a reset covers (`None`: all), as the caller may reset them.
async fn reset_projects(
    state: &AppState,
    who: &Principal,
    project: Option<&str>,
) -> Result<Option<Vec<String>>, NativeError> {
    let scope = AdminScope::of(state.store.as_ref(), who).await?;
    let Some(project) = project else {
        if scope.is_system() {
            return Ok(None);
        }
        return match &who.project_id {
            Some(p) if scope.administers(p) => Ok(Some(vec![p.clone()])),
            _ => Err(NativeError::forbidden(
                "a project-scoped admin token is required",
            )),
        };
    };
    let mut ids: Vec<String> = match state.store.project(project).await? {
        Some(p) => vec![p.id],
        None => state
            .store
            .project_by_name(project, None)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect(),
    };
    if ids.is_empty() {
        return Err(NativeError::bad_request(format!(
            "project: no project {project}"
        )));
    }
    if let Some(p) = ids.iter().find(|p| !scope.administers(p)) {
        return Err(NativeError::forbidden(format!(
            "project {p} is not administered by this user"
        )));
    }
    ids.sort();
    Ok(Some(ids))
}

#[utoipa::path(post, path = "/switchboard/v1/state/reset", tag = "Switchboard",
    request_body = crate::openapi::native::ResetRequest,
    responses((status = 200, description = "What the reset did", body = crate::openapi::native::ResetAnswer),
        crate::openapi::NativeWrite))]
pub async fn reset_state(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, RESET)?;
    let started = Instant::now();
    let body: ResetBody = crate::body::parse(raw)?.unwrap_or_default();
    let projects = reset_projects(&state, &who, body.project.as_deref()).await?;
    let flag = |f: Option<bool>| f.unwrap_or(true);
    let mut faults_removed = 0;
    if flag(body.faults) {
        let _order = state.faults.changes.lock().await;
        let (kept, removed) = state.faults.remove(|rule| match &projects {
            None => true,
            Some(ids) => ids.iter().any(|id| {
                rule.project.as_deref() == Some(id.as_str())
                    || rule.project_ids.as_ref().is_some_and(|p| p.contains(id))
            }),
        });
        if removed > 0 {
            state
                .store
                .commit(vec![Write::SetFaultRules(kept)], Priority::Answer)
                .await?;
        }
        faults_removed = removed;
    }
    let mut transitions_removed = 0;
    if flag(body.transitions) {
        match &projects {
            None => transitions_removed = clear_transitions(&state, None).await?,
            Some(ids) => {
                for id in ids {
                    transitions_removed += clear_transitions(&state, Some(id)).await?;
                }
            }
        }
    }
    let target = projects.as_ref().map_or("*".to_string(), |p| p.join(","));
    let mut audit = lookup::audit(&who, source, RESET, &target, "done");
    let scope = ResetScope {
        projects: projects.clone(),
        resources: flag(body.resources),
        tasks: flag(body.tasks),
    };
    let outcome = state
        .engine
        .reset(&scope, {
            let removed = json!({"faults_removed": faults_removed,
                "transitions_removed": transitions_removed});
            audit.detail = Some(removed.to_string());
            audit
        })
        .await
        .map_err(|e| match e {
            // A task another replica accepted an instant before holds a resource it deletes.
            EngineError::Store(StoreError::Claimed { resource, task }) => NativeError::conflict(
                format!("task {task} of another replica holds {resource} now; reset again"),
            ),
            e => NativeError::internal(e),
        })?;
    crate::shared::controls_changed(&state, true).await;
    let took_ms = started.elapsed().as_millis() as u64;
    tracing::info!(target = %target, took_ms, resources = outcome.resources,
        tasks = outcome.tasks_cancelled, "state reset");
    let project = match projects.as_deref() {
        Some([one]) => json!(one),
        Some(many) => json!(many),
        None => Value::Null,
    };
    Ok(Json(json!({"reset": {
        "project": project,
        "resources": outcome.resources,
        "tasks_cancelled": outcome.tasks_cancelled,
        "tasks_stopping": outcome.still_stopping,
        "faults_removed": faults_removed,
        "transitions_removed": transitions_removed,
        "took_ms": took_ms,
    }})))
}

/// A snapshot holds the whole state in memory while it is built or read: one at a time keeps
/// the memory a flood of them can take to one state's worth.
static ONE_SNAPSHOT_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[utoipa::path(get, path = "/switchboard/v1/state/snapshot", tag = "Switchboard",
    params(("identity" = Option<bool>, Query, description = "Include users, roles, policies and keys (as stored: hashed or encrypted)")),
    responses((status = 200, description = "The whole state (docs/snapshot.md)", body = crate::openapi::native::Snapshot),
        crate::openapi::NativeRead))]
pub async fn export_state(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, NativeError> {
    NativeError::permit_system(&who, EXPORT)?;
    let identity = match query.get("identity").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(NativeError::bad_request(format!(
                "identity must be true or false, not {v:?}"
            )))
        }
    };
    let _one = ONE_SNAPSHOT_AT_A_TIME.lock().await;
    let bytes = snapshot::export(&state, identity).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

#[utoipa::path(put, path = "/switchboard/v1/state/snapshot", tag = "Switchboard",
    request_body = crate::openapi::native::Snapshot,
    responses((status = 200, description = "The state was replaced", body = crate::openapi::native::Restored),
        (status = 409, description = "The snapshot is of another inventory"),
        (status = 413, description = "Larger than `api.snapshot_max_bytes`"),
        crate::openapi::NativeWrite))]
pub async fn import_state(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    body: Body,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit_system(&who, snapshot::IMPORT)?;
    let _one = ONE_SNAPSHOT_AT_A_TIME.lock().await;
    let started = Instant::now();
    let raw = axum::body::to_bytes(body, state.config.snapshot_max_bytes)
        .await
        .map_err(|_| NativeError {
            status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
            message: format!(
                "a snapshot may be at most {} bytes (api.snapshot_max_bytes)",
                state.config.snapshot_max_bytes
            ),
        })?;
    let audit = lookup::audit(&who, source, snapshot::IMPORT, "snapshot", "done");
    let done = snapshot::restore(&state, &raw, audit).await?;
    crate::shared::controls_changed(&state, true).await;
    Ok(Json(json!({"restored": {
        "resources": done.resources,
        "tasks": done.tasks,
        "tasks_stopping": done.still_stopping,
        "took_ms": started.elapsed().as_millis() as u64,
    }})))
}
