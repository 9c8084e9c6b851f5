//! `PUT /v1/{project_id}/flows/sources?flow_id=&source_name=` (`ModifyFlowSources`) with
//! `{"source": FlowSource}`: the fields given replace the source's, and the result must be a
//! valid source. The documentation sets no condition on the flow's status, so a running flow's
//! source changes at once and the flow stays ACTIVE; only a start or stop in progress refuses.

use super::create::validate_source;
use super::{check_settled, flow_from_query, permit, required_query, source_json, LiveError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use switchboard_engine::ResourceEdit;

const ACTION: &str = "live:ott:updateFlowSource";
/// `FlowSource`'s writable fields (the SDK model's, but for the read-only `health_status`).
const FIELDS: [&str; 9] = [
    "source_listener_address",
    "source_listener_port",
    "stream_id",
    "min_latency",
    "cidr_whitelist",
    "description",
    "protocol",
    "name",
    "decryption",
];

#[utoipa::path(
    put,
    path = "/v1/{project_id}/flows/sources",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    request_body = crate::openapi::live_bms::LiveSources,
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlow),
        crate::openapi::LiveWrite,
    )
)]
pub async fn modify_flow_sources(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, LiveError> {
    permit(&who, ACTION)?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    let source_name = required_query(&query, "source_name")?.to_string();
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| LiveError::invalid("the request body is required"))?;
    let mut change = body
        .get("source")
        .and_then(Value::as_object)
        .ok_or_else(|| LiveError::invalid("source must be an object"))?
        .clone();
    // Echoed from a read, it is ignored; anything else unknown would pile up in the source.
    change.remove("health_status");
    if let Some(k) = change.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(LiveError::invalid(format!(
            "source.{k} is not a field of a flow source"
        )));
    }
    let audit = lookup::audit(&who, source, ACTION, &flow.spec.id, "modified");
    let mut modified = Value::Null;
    let edited = state
        .engine
        .edit_resource(&flow.spec.id, audit, |current| {
            check_settled(current)?;
            let mut sources = current
                .spec
                .attrs
                .get("sources")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let index = sources
                .iter()
                .position(|s| s.get("name").and_then(Value::as_str) == Some(source_name.as_str()))
                .ok_or_else(|| {
                    LiveError::invalid(format!("source_name {source_name} does not exist"))
                })?;
            let mut merged: Map<String, Value> =
                sources[index].as_object().cloned().unwrap_or_default();
            merged.extend(change);
            let merged = Value::Object(merged);
            validate_source(&merged).map_err(|m| LiveError::invalid(format!("source.{m}")))?;
            let new_name = merged.get("name").and_then(Value::as_str);
            let taken = sources.iter().enumerate().any(|(i, s)| {
                i != index
                    && new_name.is_some()
                    && s.get("name").and_then(Value::as_str) == new_name
            });
            if taken {
                return Err(LiveError::invalid(format!(
                    "source.name {} is used by another source of the flow",
                    new_name.unwrap_or_default()
                )));
            }
            sources[index] = merged.clone();
            modified = merged;
            let mut attrs = Map::new();
            attrs.insert("sources".into(), Value::Array(sources));
            Ok::<_, LiveError>(ResourceEdit { name: None, attrs })
        })
        .await?;
    let shown = source_json(&modified, &edited);
    Ok(Json(json!({"flow_id": edited.spec.id, "source": shown})))
}
