//! `GET /switchboard/v1/resources`.

use super::NativeError;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

#[utoipa::path(
    get,
    path = "/switchboard/v1/resources",
    tag = "Switchboard",
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeResources),
        crate::openapi::NativeRead,
    )
)]
pub async fn list_resources(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:resource:list")?;
    let resources: Vec<Value> = state
        .engine
        .resources()
        .into_iter()
        .filter(|r| who.project_id.as_deref() == Some(r.spec.project_id.as_str()))
        .map(|r| {
            json!({
                "id": r.spec.id, "name": r.spec.name, "kind": r.spec.kind.as_str(),
                "project_id": r.spec.project_id, "cluster_id": r.spec.cluster, "driver": r.spec.driver,
                "depends_on": r.spec.depends_on, "state": r.state.as_str(),
                "active_task": r.active_task, "last_error": r.last_error,
            })
        })
        .collect();
    Ok(Json(json!({ "resources": resources })))
}
