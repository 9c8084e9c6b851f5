//! BMS native OpenStack (Nova v2.1): version documents, servers (show, list, detail with
//! Nova's filters and paging), flavors, and the reboot / os-start / os-stop actions with Nova's preconditions. Errors are Nova faults:
//! `{"<faultName>": {"code": <int>, "message": …}}`.

mod action_records;
pub(crate) mod actions;
mod actions_view;
mod console;
mod filters;
pub(crate) mod flavor_list;
pub(crate) mod flavors;
pub(crate) mod interfaces;
pub(crate) mod limits;
pub(crate) mod list;
pub(crate) mod metadata;
mod metadata_body;
mod microversion;
pub(crate) mod query;
pub(crate) mod render;
mod schema;
pub(crate) mod server_body;
mod server_fields;
pub(crate) mod servers;
pub(crate) mod versions;
pub(crate) mod view;
pub(crate) mod zones;

pub use actions::{list_actions, show_action};
pub use flavor_list::{list_flavors, list_flavors_detail};
pub use flavors::{show_extra_spec, show_extra_specs, show_flavor};
pub use interfaces::{list_interfaces, remote_console, show_interface};
pub use limits::limits;
pub use list::{list_servers, list_servers_detail};
pub use metadata::{
    delete_meta, list_metadata, merge_metadata, replace_metadata, set_meta, show_meta,
};
pub use microversion::Microversion;
pub use servers::{server_action, show_server};
pub use versions::{version_root, version_v21};
pub use zones::{availability_zones, availability_zones_detail};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug)]
pub struct NovaError {
    pub status: StatusCode,
    pub message: String,
}

impl NovaError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        NovaError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        NovaError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(server_id: &str) -> Self {
        NovaError::new(
            StatusCode::NOT_FOUND,
            format!("Instance {server_id} could not be found."),
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        NovaError::new(StatusCode::CONFLICT, message)
    }

    /// 403 `forbidden` unless the caller may perform `action`.
    pub fn permit(who: &switchboard_identity::Principal, action: &str) -> Result<(), Self> {
        // A fault rule that hits refuses too: the fault layer answers with its error.
        if crate::faults::allows(who, action) {
            Ok(())
        } else {
            Err(NovaError::new(
                StatusCode::FORBIDDEN,
                format!("Policy doesn't allow {action} to be performed."),
            ))
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "Nova request failed");
        NovaError::new(StatusCode::INTERNAL_SERVER_ERROR, "Unexpected API Error.")
    }

    fn fault_name(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "badRequest",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "itemNotFound",
            405 => "badMethod",
            409 => "conflictingRequest",
            413 | 429 => "overLimit",
            415 => "badMediaType",
            501 => "notImplemented",
            503 => "serviceUnavailable",
            _ => "computeFault",
        }
    }
}

impl From<crate::body::BodyError> for NovaError {
    fn from(e: crate::body::BodyError) -> Self {
        match e {
            crate::body::BodyError::Malformed(_) => {
                NovaError::bad_request("Malformed request body")
            }
            other => NovaError::new(other.status(), other.message()),
        }
    }
}

impl IntoResponse for NovaError {
    fn into_response(self) -> Response {
        let body =
            json!({ self.fault_name(): {"code": self.status.as_u16(), "message": self.message} });
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        response
    }
}

/// Nova's `req-<uuid>` form of a request id (the 32 hex digits every answer carries in
/// `X-Request-Id`, and every task keeps), so that an instance action names the request id the
/// client got back from the action call.
pub fn nova_request_id(raw: &str) -> String {
    match uuid::Uuid::try_parse(raw) {
        Ok(id) => format!("req-{}", id.hyphenated()),
        Err(_) => format!("req-{raw}"),
    }
}

/// Nova's answer to an action that went through, or its fault.
pub(crate) fn reply(result: Result<Response, NovaError>, version: &Microversion) -> Response {
    with_compute_headers(result.unwrap_or_else(IntoResponse::into_response), version)
}

/// Nova's request-id headers on every compute answer: the request's own id in Nova's form.
/// 403 unless the credential is scoped to the project of the path.
pub(crate) fn check_project(
    who: &switchboard_identity::Principal,
    project_id: &str,
) -> Result<(), NovaError> {
    if crate::lookup::same_project(who, project_id) {
        Ok(())
    } else {
        Err(NovaError::new(
            StatusCode::FORBIDDEN,
            format!("Project {project_id} is not the project of the token."),
        ))
    }
}

/// Nova's request-id headers on every compute answer.
pub fn with_compute_headers(mut response: Response, version: &Microversion) -> Response {
    let raw = crate::request_id::current();
    let id = if raw.is_empty() {
        format!("req-{}", uuid::Uuid::new_v4())
    } else {
        nova_request_id(&raw)
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert("x-compute-request-id", v.clone());
        headers.insert("x-openstack-request-id", v);
    }
    version.echo(headers);
    response
}
