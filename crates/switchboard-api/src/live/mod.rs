//! Live (StreamConnect) flows: start, stop, list, detail, create, delete; a flow's sources
//! (modify) and outputs (create, show, modify, delete). Every error is 400
//! `{"error_code":"LIVE.100011001","error_msg":…}`, unknown flows included, as the service does.

pub(crate) mod create;
pub(crate) mod flows;
mod output_rules;
pub(crate) mod outputs;
pub(crate) mod sources;

pub use create::create_flow;
pub use flows::{delete_flow, flow_detail, list_flows, start_flow, stop_flow};
pub use outputs::{create_flow_output, delete_flow_output, modify_flow_output, show_output_info};
pub use sources::modify_flow_sources;

use crate::lookup;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::ResourceKind;
use switchboard_engine::ResourceSnapshot;
use switchboard_identity::Principal;

pub const INVALID_PARAMETER: &str = "LIVE.100011001";

#[derive(Debug)]
pub struct LiveError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl LiveError {
    /// "Invalid request parameter: …", the one documented error.
    pub fn invalid(what: impl std::fmt::Display) -> Self {
        LiveError {
            status: StatusCode::BAD_REQUEST,
            code: INVALID_PARAMETER,
            message: format!("Invalid request parameter: {what}"),
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "Live request failed");
        LiveError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: INVALID_PARAMETER,
            message: "Internal error".into(),
        }
    }
}

impl From<switchboard_engine::ResourceError> for LiveError {
    fn from(e: switchboard_engine::ResourceError) -> Self {
        match e {
            switchboard_engine::ResourceError::Unknown(id) => {
                LiveError::invalid(format!("flow_id {id} does not exist"))
            }
            other => LiveError::internal(other),
        }
    }
}

impl From<crate::body::BodyError> for LiveError {
    fn from(e: crate::body::BodyError) -> Self {
        LiveError {
            status: e.status(),
            code: INVALID_PARAMETER,
            message: format!("Invalid request parameter: {}", e.message()),
        }
    }
}

impl IntoResponse for LiveError {
    fn into_response(self) -> Response {
        let body = json!({"error_code": self.code, "error_msg": self.message});
        (self.status, Json(body)).into_response()
    }
}

/// ACTIVE (running) or STANDBY (not started).
pub use switchboard_core::family::live_status as status_of;

/// 403 with the gateway's code unless the caller may perform `action`.
pub fn permit(who: &Principal, action: &str) -> Result<(), LiveError> {
    // A fault rule that hits refuses too: the fault layer answers with its error.
    if crate::faults::allows(who, action) {
        return Ok(());
    }
    Err(LiveError {
        status: StatusCode::FORBIDDEN,
        code: lookup::WRONG_PROJECT_CODE,
        message: format!(
            "The IAM user is not authorized to access the API: {action} is not allowed"
        ),
    })
}

/// The caller's project must be the path's; otherwise 403 with the gateway's code.
pub fn check_project(who: &Principal, project_id: &str) -> Result<(), LiveError> {
    if lookup::same_project(who, project_id) {
        Ok(())
    } else {
        Err(LiveError {
            status: StatusCode::FORBIDDEN,
            code: lookup::WRONG_PROJECT_CODE,
            message: lookup::WRONG_PROJECT.into(),
        })
    }
}

/// The flow named by the required `flow_id` query parameter, in the path's project.
pub fn flow_from_query(
    state: &AppState,
    who: &Principal,
    project_id: &str,
    query: &HashMap<String, String>,
) -> Result<ResourceSnapshot, LiveError> {
    check_project(who, project_id)?;
    let id = query.get("flow_id").map(String::as_str).unwrap_or("");
    if id.is_empty() {
        return Err(LiveError::invalid("flow_id is required"));
    }
    lookup::owned(state, who, ResourceKind::Flow, id)
        .ok_or_else(|| LiveError::invalid(format!("flow_id {id} does not exist")))
}

/// What every read shows in place of a secret (an SRT passphrase, …).
pub const MASK: &str = "******";
/// Keys whose values are secrets wherever they appear in a flow's sources.
const SECRET_KEYS: [&str; 3] = ["passphrase", "password", "secret"];

/// `v` with the value of every secret key replaced by `MASK`.
fn masked(mut v: Value) -> Value {
    fn mask(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    if SECRET_KEYS.contains(&k.as_str()) && !x.is_null() {
                        *x = json!(MASK);
                    } else {
                        mask(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(mask),
            _ => {}
        }
    }
    mask(&mut v);
    v
}

/// A source as reads show it: secrets masked, connected while the flow is ACTIVE.
pub fn source_json(source: &Value, flow: &ResourceSnapshot) -> Value {
    let mut s = masked(source.clone());
    if let Some(map) = s.as_object_mut() {
        let health = if status_of(flow.state) == "ACTIVE" {
            "CONNECTED"
        } else {
            "DISCONNECTED"
        };
        map.insert("health_status".into(), json!(health));
    }
    s
}

fn sources_json(flow: &ResourceSnapshot) -> Value {
    let sources = flow.spec.attrs.get("sources").and_then(Value::as_array);
    let list = sources.into_iter().flatten().map(|s| source_json(s, flow));
    Value::Array(list.collect())
}

/// The required query parameter `key`.
pub fn required_query<'a>(
    query: &'a HashMap<String, String>,
    key: &str,
) -> Result<&'a str, LiveError> {
    match query.get(key).map(String::as_str) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(LiveError::invalid(format!("{key} is required"))),
    }
}

/// Refuses to change a flow while a start or stop of it is in progress.
pub fn check_settled(flow: &ResourceSnapshot) -> Result<(), LiveError> {
    match flow.active_task {
        Some(_) => Err(LiveError::invalid(format!(
            "flow {} is busy: a start or stop of it is in progress",
            flow.spec.id
        ))),
        None => Ok(()),
    }
}

/// `{name, region, sources, status, flow_id, outputs}`, secrets masked; outputs as
/// `{name, type}` (the full output is `ShowOutputInfo`'s).
pub fn detail_json(r: &ResourceSnapshot) -> Value {
    let a = &r.spec.attrs;
    json!({
        "name": r.spec.name,
        "region": a.get("region").cloned().unwrap_or(json!("")),
        "sources": sources_json(r),
        "status": status_of(r.state),
        "flow_id": r.spec.id,
        "outputs": outputs::summaries(a),
    })
}
