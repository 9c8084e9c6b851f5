//! `GET /switchboard/v1/resources` and `GET /switchboard/v1/audit`.

use super::{NativeError, Page};
use crate::auth::Authenticated;
use crate::time::iso_millis;
use crate::AppState;
use axum::extract::{Query, State};
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

#[utoipa::path(
    get,
    path = "/switchboard/v1/audit",
    tag = "Switchboard",
    params(
        ("limit" = Option<u32>, Query, description = "Page size"),
        ("offset" = Option<u32>, Query, description = "Entries to skip"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeAudit),
        crate::openapi::NativeRead,
    )
)]
pub async fn list_audit(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:audit:list")?;
    let (limit, offset) = Page(&query).bounds()?;
    let Some(project) = who.project_id.as_deref() else {
        return Ok(Json(
            json!({"records": [], "limit": limit, "offset": offset}),
        ));
    };
    let records = state
        .store
        .audit(Some(project), limit, offset)
        .await
        .map_err(NativeError::internal)?;
    let records: Vec<Value> = records
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "at": iso_millis(a.at), "principal": a.principal, "project_id": a.project_id,
                "action": a.action, "target": a.target, "request_id": a.request_id, "source": a.source,
                "outcome": a.outcome, "detail": a.detail,
            })
        })
        .collect();
    Ok(Json(
        json!({"records": records, "limit": limit, "offset": offset}),
    ))
}
