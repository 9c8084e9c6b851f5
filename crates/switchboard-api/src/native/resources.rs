//! `GET /switchboard/v1/resources`: the caller's project's resources, each with its engine
//! state and the word its family's API shows for it (as `resource.state` events carry).

use super::NativeError;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::family::{status_word, Family};

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
            let cluster_name = r.spec.cluster.and_then(|id| {
                let cluster = state.clusters.iter().find(|c| c.id == id)?;
                Some(cluster.name.clone())
            });
            json!({
                "id": r.spec.id, "name": r.spec.name, "kind": r.spec.kind.as_str(),
                "family": Family::of(r.spec.kind).as_str(),
                "project_id": r.spec.project_id, "cluster_id": r.spec.cluster,
                "cluster_name": cluster_name, "driver": r.spec.driver,
                "depends_on": r.spec.depends_on, "state": r.state.as_str(),
                "status": status_word(r.spec.kind, r.state),
                "active_task": r.active_task, "last_error": r.last_error,
            })
        })
        .collect();
    Ok(Json(json!({ "resources": resources })))
}
