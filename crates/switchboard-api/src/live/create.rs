//! `POST /v1/{project_id}/flows`: validates the documented body and creates a STANDBY flow.

use super::{check_project, detail_json, permit, LiveError};
use crate::auth::{Authenticated, Source};
use crate::lookup;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};
use switchboard_core::{Lifecycle, ResourceKind, ResourceSpec};

/// Listener ports the service reserves.
const FORBIDDEN_PORTS: [i64; 2] = [2077, 2088];
const PROTOCOLS: [&str; 2] = ["srt-caller", "srt-listener"];

#[utoipa::path(
    post,
    path = "/v1/{project_id}/flows",
    tag = "Live",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    request_body = crate::openapi::live_bms::LiveFlowRequest,
    responses(
        (status = 201, description = "Created", body = crate::openapi::live_bms::LiveCreatedFlow),
        crate::openapi::LiveWrite,
    )
)]
pub async fn create_flow(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Path(project_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), LiveError> {
    permit(&who, "live:ott:createFlow")?;
    check_project(&who, &project_id)?;
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| LiveError::invalid("the request body is required"))?;
    let (name, region, sources) = validate(&body)?;
    if lookup::owned_all(&state, &who, ResourceKind::Flow)
        .iter()
        .any(|f| f.spec.name == name)
    {
        return Err(LiveError::invalid(format!(
            "name: a flow named {name} already exists"
        )));
    }
    let mut id = state.ids.uuid("flow").to_string();
    // A seeded source starts over after a restart: skip the ids already taken.
    while state.engine.resource(&id).is_some() {
        id = state.ids.uuid("flow").to_string();
    }
    let spec = ResourceSpec {
        id: id.clone(),
        project_id,
        kind: ResourceKind::Flow,
        name,
        cluster: None,
        driver: "sim".into(),
        driver_config: Value::Null,
        depends_on: Vec::new(),
        initial_state: Lifecycle::Stopped,
        attrs: json!({"region": region, "sources": sources, "outputs": [], "description": ""}),
    };
    let audit = lookup::audit(&who, source, "live:ott:createFlow", &id, "created");
    state
        .engine
        .add_resource(spec, audit)
        .await
        .map_err(LiveError::internal)?;
    let flow = state
        .engine
        .resource(&id)
        .ok_or_else(|| LiveError::internal("created flow vanished"))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "flow": detail_json(&flow) })),
    ))
}

/// (name, region, sources) of a valid body, or what is wrong with it.
fn validate(body: &Value) -> Result<(String, String, Vec<Value>), LiveError> {
    let obj = body
        .as_object()
        .ok_or_else(|| LiveError::invalid("the body must be a JSON object"))?;
    let name = required_text(obj, "name")?;
    if name.len() > 128 {
        return Err(LiveError::invalid("name must be at most 128 characters"));
    }
    let region = required_text(obj, "region")?;
    let sources = obj
        .get("sources")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| LiveError::invalid("sources must be a non-empty array"))?;
    for (i, source) in sources.iter().enumerate() {
        validate_source(source).map_err(|m| LiveError::invalid(format!("sources[{i}].{m}")))?;
    }
    Ok((name, region, sources.clone()))
}

fn required_text(obj: &Map<String, Value>, key: &str) -> Result<String, LiveError> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(LiveError::invalid(format!("{key} is required")))
        }
        Some(_) => Err(LiveError::invalid(format!("{key} must be a string"))),
    }
}

/// What is wrong with a source (as created, or as a modification leaves it), if anything.
pub(super) fn validate_source(source: &Value) -> Result<(), String> {
    let s = source.as_object().ok_or("source must be an object")?;
    match s.get("protocol").and_then(Value::as_str) {
        Some(p) if PROTOCOLS.contains(&p) => {}
        Some(p) => {
            return Err(format!(
                "protocol {p:?} is not one of srt-caller, srt-listener"
            ))
        }
        None => return Err("protocol is required".into()),
    }
    for key in [
        "name",
        "source_listener_address",
        "stream_id",
        "description",
    ] {
        if s.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("{key} must be a string"));
        }
    }
    if let Some(port) = s.get("source_listener_port") {
        let port = port
            .as_i64()
            .ok_or("source_listener_port must be an integer")?;
        if !(1..=65535).contains(&port) {
            return Err(format!(
                "source_listener_port {port} is out of range 1-65535"
            ));
        }
        if FORBIDDEN_PORTS.contains(&port) {
            return Err(format!(
                "source_listener_port {port} is reserved (2077 and 2088 are not allowed)"
            ));
        }
    }
    if let Some(latency) = s.get("min_latency") {
        if latency.as_i64().is_none_or(|l| l < 0) {
            return Err("min_latency must be a non-negative integer (milliseconds)".into());
        }
    }
    if let Some(list) = s.get("cidr_whitelist") {
        if !list
            .as_array()
            .is_some_and(|l| l.iter().all(Value::is_string))
        {
            return Err("cidr_whitelist must be an array of strings".into());
        }
    }
    if let Some(health) = s.get("health_status") {
        if !matches!(health.as_str(), Some("CONNECTED" | "DISCONNECTED")) {
            return Err("health_status must be CONNECTED or DISCONNECTED".into());
        }
    }
    if let Some(d) = s.get("decryption") {
        validate_key(d, "decryption")?;
    }
    Ok(())
}

/// An SRT key (`decryption` of a source, `encryption` of an output): only srt-password keys.
pub(super) fn validate_key(d: &Value, field: &str) -> Result<(), String> {
    let d = d
        .as_object()
        .ok_or_else(|| format!("{field} must be an object"))?;
    if !matches!(
        d.get("algorithm").and_then(Value::as_str),
        Some("aes128" | "aes192" | "aes256")
    ) {
        return Err(format!(
            "{field}.algorithm must be aes128, aes192 or aes256"
        ));
    }
    match d.get("key_type").and_then(Value::as_str) {
        Some("srt-password") => {}
        Some(k @ ("speke" | "static-key")) => {
            return Err(format!(
                "{field}.key_type {k} is not supported; use srt-password"
            ))
        }
        _ => return Err(format!("{field}.key_type must be srt-password")),
    }
    if !d
        .get("passphrase")
        .and_then(Value::as_str)
        .is_some_and(|p| (10..=79).contains(&p.len()))
    {
        return Err(format!("{field}.passphrase must be 10 to 79 characters"));
    }
    Ok(())
}
