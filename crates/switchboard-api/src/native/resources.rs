//! `GET /switchboard/v1/resources`: the caller's project's resources, each with its engine
//! state and the word its family's API shows for it (as `resource.state` events carry). Paged
//! in inventory order: `limit` (1–1000, default 100) and `marker` (the previous page's
//! `next_marker`), read from the engine's per-project index, so a page costs its own size.

use super::{NativeError, Page};
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::family::{status_word, Family};
use switchboard_core::ResourceKind;
use switchboard_engine::PageQuery;

#[utoipa::path(
    get,
    path = "/switchboard/v1/resources",
    tag = "Switchboard",
    params(
        ("limit" = Option<u32>, Query, description = "Page size (1 to 1000, default 100)"),
        ("marker" = Option<String>, Query, description = "Resume after this resource id (the previous page's `next_marker`)"),
        ("kind" = Option<String>, Query, description = "Only resources of this kind"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeResources),
        crate::openapi::NativeRead,
    )
)]
pub async fn list_resources(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:resource:list")?;
    let (limit, offset) = Page(&q).bounds()?;
    let kind = match q.get("kind") {
        None => None,
        Some(k) => Some(
            ResourceKind::parse(k)
                .ok_or_else(|| NativeError::bad_request(format!("unknown resource kind {k:?}")))?,
        ),
    };
    let Some(project_id) = who.project_id.as_deref() else {
        return Ok(Json(
            json!({"resources": [], "limit": limit, "next_marker": null}),
        ));
    };
    let page = state
        .engine
        .resource_page(&PageQuery {
            project_id,
            kind,
            marker: q.get("marker").map(String::as_str),
            offset: offset as usize,
            limit: limit as usize,
        })
        .map_err(|e| NativeError::bad_request(e.to_string()))?;
    let resources: Vec<Value> = page
        .items
        .into_iter()
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
    Ok(Json(json!({
        "resources": resources, "limit": limit, "next_marker": page.next_marker,
    })))
}
