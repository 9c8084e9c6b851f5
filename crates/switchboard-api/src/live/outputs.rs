//! A flow's outputs, kept in its `outputs` attribute: `POST /v1/{project_id}/flows/outputs?flow_id=`
//! with a JSON array of outputs (`CreateFlowOutput`), and `GET` (`ShowOutputInfo`), `PUT`
//! (`ModifyFlowOutput`) and `DELETE` (`DeleteFlowOutput`) with `flow_id` and `output_name`.
//! What an output may hold is in `output_rules`.

use super::output_rules::{validate_output, MAX_OUTPUTS, MODIFIABLE};
use super::{check_settled, flow_from_query, masked, permit, required_query, status_of, LiveError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use switchboard_engine::{ResourceEdit, ResourceSnapshot};

type Params = Query<HashMap<String, String>>;
type Body = Result<Bytes, BytesRejection>;

/// `{name, type}` of every output, as the flow detail lists them.
pub(super) fn summaries(attrs: &Value) -> Value {
    let outputs = attrs.get("outputs").and_then(Value::as_array);
    let list: Vec<Value> = outputs
        .into_iter()
        .flatten()
        .map(
            |o| json!({"name": o.get("name"), "type": o.get("type").or_else(|| o.get("protocol"))}),
        )
        .collect();
    Value::Array(list)
}

/// An output as `ShowOutputInfo` answers it: secrets masked, health from the flow's status.
fn render(o: &Value, flow: &ResourceSnapshot) -> Value {
    let mut out = masked(o.clone());
    let protocol = o.get("protocol").or_else(|| o.get("type")).cloned();
    let enabled = o.get("output_status").and_then(Value::as_str) != Some("DISABLED");
    let connected = enabled && status_of(flow.state) == "ACTIVE";
    if let Some(map) = out.as_object_mut() {
        map.insert("protocol".into(), protocol.clone().unwrap_or(Value::Null));
        map.insert("type".into(), protocol.unwrap_or(Value::Null));
        map.entry("output_status").or_insert(json!("ENABLED"));
        map.entry("min_latency").or_insert(json!(2000));
        map.entry("cidr_whitelist").or_insert(json!([]));
        map.entry("description").or_insert(json!(""));
        let health = if connected {
            "CONNECTED"
        } else {
            "DISCONNECTED"
        };
        map.insert("health_status".into(), json!(health));
    }
    out
}

fn outputs_of(flow: &ResourceSnapshot) -> Vec<Value> {
    let outputs = flow.spec.attrs.get("outputs").and_then(Value::as_array);
    outputs.cloned().unwrap_or_default()
}

fn named(outputs: &[Value], name: &str) -> Option<usize> {
    outputs
        .iter()
        .position(|o| o.get("name").and_then(Value::as_str) == Some(name))
}

fn edit(outputs: Vec<Value>) -> ResourceEdit {
    let mut attrs = Map::new();
    attrs.insert("outputs".into(), Value::Array(outputs));
    ResourceEdit { name: None, attrs }
}

#[utoipa::path(
    post,
    path = "/v1/{project_id}/flows/outputs",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    request_body = crate::openapi::live_bms::LiveOutputRequest,
    responses(
        (status = 201, description = "Created", body = crate::openapi::live_bms::LiveOutput),
        crate::openapi::LiveWrite,
    )
)]
pub async fn create_flow_output(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Params,
    body: Body,
) -> Result<(StatusCode, Json<Value>), LiveError> {
    permit(&who, "live:ott:createFlowOutput")?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| LiveError::invalid("the request body is required"))?;
    let new = body
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| LiveError::invalid("the body must be a non-empty array of outputs"))?;
    let mut created = Vec::with_capacity(new.len());
    for (i, o) in new.iter().enumerate() {
        let o = validate_output(o, true).map_err(|m| LiveError::invalid(format!("[{i}].{m}")))?;
        created.push(o);
    }
    let audit = lookup::audit(
        &who,
        source,
        "live:ott:createFlowOutput",
        &flow.spec.id,
        "created",
    );
    let edited = state
        .engine
        .edit_resource(&flow.spec.id, audit, |current| {
            check_settled(current)?;
            let mut outputs = outputs_of(current);
            for o in &created {
                let name = o["name"].as_str().unwrap_or_default();
                if named(&outputs, name).is_some() {
                    return Err(LiveError::invalid(format!(
                        "name: the flow already has an output named {name}"
                    )));
                }
                outputs.push(o.clone());
            }
            if outputs.len() > MAX_OUTPUTS {
                return Err(LiveError::invalid(format!(
                    "a flow has at most {MAX_OUTPUTS} outputs"
                )));
            }
            Ok::<_, LiveError>(edit(outputs))
        })
        .await?;
    let shown: Vec<Value> = created.iter().map(|o| render(o, &edited)).collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({"flow_id": edited.spec.id, "outputs": shown})),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/{project_id}/flows/outputs",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
        ("output_name" = String, Query, description = "Output name", example = "news-out"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveOutputInfo),
        crate::openapi::LiveRead,
    )
)]
pub async fn show_output_info(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Result<Json<Value>, LiveError> {
    permit(&who, "live:ott:getFlowOutput")?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    let name = required_query(&query, "output_name")?;
    let outputs = outputs_of(&flow);
    let i = named(&outputs, name)
        .ok_or_else(|| LiveError::invalid(format!("output_name {name} does not exist")))?;
    Ok(Json(render(&outputs[i], &flow)))
}

#[utoipa::path(
    put,
    path = "/v1/{project_id}/flows/outputs",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
    ),
    request_body = crate::openapi::live_bms::LiveOutputRequest,
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveOutputInfo),
        crate::openapi::LiveWrite,
    )
)]
pub async fn modify_flow_output(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Params,
    body: Body,
) -> Result<Json<Value>, LiveError> {
    permit(&who, "live:ott:updateFlowOutput")?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    let name = required_query(&query, "output_name")?.to_string();
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| LiveError::invalid("the request body is required"))?;
    let change = body
        .as_object()
        .ok_or_else(|| LiveError::invalid("the body must be a JSON object"))?;
    if let Some(k) = change.keys().find(|k| !MODIFIABLE.contains(&k.as_str())) {
        return Err(LiveError::invalid(format!("{k} cannot be modified")));
    }
    let audit = lookup::audit(
        &who,
        source,
        "live:ott:updateFlowOutput",
        &flow.spec.id,
        "modified",
    );
    let mut modified = Value::Null;
    let edited = state
        .engine
        .edit_resource(&flow.spec.id, audit, |current| {
            check_settled(current)?;
            let mut outputs = outputs_of(current);
            let i = named(&outputs, &name)
                .ok_or_else(|| LiveError::invalid(format!("output_name {name} does not exist")))?;
            let mut merged = outputs[i].as_object().cloned().unwrap_or_default();
            merged.extend(change.clone());
            let merged =
                validate_output(&Value::Object(merged), false).map_err(LiveError::invalid)?;
            outputs[i] = merged.clone();
            modified = merged;
            Ok::<_, LiveError>(edit(outputs))
        })
        .await?;
    Ok(Json(render(&modified, &edited)))
}

#[utoipa::path(
    delete,
    path = "/v1/{project_id}/flows/outputs",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flow_id" = String, Query, description = "Flow id", example = "ec897482-d24b-4d64-aa39-407980902b1d"),
        ("output_name" = String, Query, description = "Output name", example = "news-out"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::live_bms::LiveFlowStatus),
        crate::openapi::LiveWrite,
    )
)]
pub async fn delete_flow_output(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    Query(query): Params,
) -> Result<Json<Value>, LiveError> {
    permit(&who, "live:ott:deleteFlowOutput")?;
    let flow = flow_from_query(&state, &who, &project_id, &query)?;
    let name = required_query(&query, "output_name")?.to_string();
    let audit = lookup::audit(
        &who,
        source,
        "live:ott:deleteFlowOutput",
        &flow.spec.id,
        "deleted",
    );
    state
        .engine
        .edit_resource(&flow.spec.id, audit, |current| {
            check_settled(current)?;
            let mut outputs = outputs_of(current);
            let i = named(&outputs, &name)
                .ok_or_else(|| LiveError::invalid(format!("output_name {name} does not exist")))?;
            outputs.remove(i);
            Ok::<_, LiveError>(edit(outputs))
        })
        .await?;
    Ok(Json(json!({"flow_id": flow.spec.id, "output_name": name})))
}
