//! `GET /web/v1/clusters` and `GET /web/v1/cluster/{cluster_id}/status`.

use super::{ok_envelope, visible_cluster, MrsError};
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

#[utoipa::path(
    get,
    path = "/web/v1/clusters",
    tag = "MRS",
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::MrsEnvelope),
        crate::openapi::MrsRead,
    )
)]
pub async fn list_clusters(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, MrsError> {
    super::permit(&who, "mrs:cluster:list")?;
    let clusters: Vec<Value> = state
        .clusters
        .iter()
        .filter(|c| who.project_id.as_deref() == Some(c.project_id.as_str()))
        .map(|c| {
            json!({
                "stack": format!("MRS {}", c.version), "id": c.id, "name": c.name,
                "description": "", "version": c.version, "cluster_state": null,
                "stack_model": "NoSec", "lic_state": "Normal",
            })
        })
        .collect();
    Ok(ok_envelope(json!({ "clusters": clusters })))
}

/// GOOD unless a service of the cluster is failed or unknown.
#[utoipa::path(
    get,
    path = "/web/v1/cluster/{cluster_id}/status",
    tag = "MRS",
    params(
        ("cluster_id" = String, Path, description = "MRS cluster id", example = "1"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::MrsEnvelope),
        crate::openapi::MrsRead,
    )
)]
pub async fn cluster_status(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(cluster_id): Path<String>,
) -> Result<Json<Value>, MrsError> {
    super::permit(&who, "mrs:cluster:get")?;
    let cluster = visible_cluster(&state, &who, &cluster_id)?;
    // The cluster's own services, from the engine's cluster index: no copy of other resources.
    let bad = state
        .engine
        .cluster_states(cluster.id)
        .into_iter()
        .any(|s| s.is_failed() || s == switchboard_core::Lifecycle::Unknown);
    Ok(ok_envelope(
        json!({ "state": if bad { "BAD" } else { "GOOD" } }),
    ))
}
