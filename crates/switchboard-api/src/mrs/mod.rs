//! MRS Manager web API: service start/stop (and restart as an extension), command progress,
//! service summary, clusters and cluster health. Every answer uses Manager's envelope
//! `{id, state, error_code, error_description, total_progress[, res_obj]}`.

pub(crate) mod cluster;
pub(crate) mod command;
pub(crate) mod service;

pub use cluster::{cluster_status, list_clusters};
pub use command::command_progress;
pub use service::{operate_service, service_summary};

use crate::{AppState, ClusterInfo};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_identity::Principal;

/// Manager's integer error codes (0 is success).
pub mod codes {
    pub const INVALID_PARAMETER: i64 = 10001;
    pub const NO_SUCH_CLUSTER: i64 = 10002;
    pub const NO_SUCH_SERVICE: i64 = 10003;
    pub const NO_SUCH_COMMAND: i64 = 10004;
    pub const CONFLICT: i64 = 10005;
    pub const SECONDARY_AUTH_FAILED: i64 = 10006;
    pub const PERMISSION_DENIED: i64 = 10007;
    pub const COMMAND_FAILED: i64 = 10008;
    /// Too many `user_password` attempts, or password checking is saturated (HTTP 429).
    pub const TOO_MANY_REQUESTS: i64 = 10429;
    pub const INTERNAL: i64 = 10500;
}

#[derive(Debug)]
pub struct MrsError {
    pub status: StatusCode,
    pub code: i64,
    pub description: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

impl MrsError {
    pub fn new(status: StatusCode, code: i64, description: impl Into<String>) -> Self {
        MrsError {
            status,
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 429 with the refusal's message and `Retry-After`.
    pub fn too_many_requests(refused: crate::login::Refused) -> Self {
        MrsError {
            retry_after: Some(refused.retry_after()),
            ..MrsError::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::TOO_MANY_REQUESTS,
                refused.message(),
            )
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "MRS request failed");
        MrsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "internal error",
        )
    }
}

impl From<crate::body::BodyError> for MrsError {
    fn from(e: crate::body::BodyError) -> Self {
        MrsError::new(e.status(), codes::INVALID_PARAMETER, e.message())
    }
}

impl IntoResponse for MrsError {
    fn into_response(self) -> Response {
        let body = json!({
            "id": -1, "state": "FAILED", "error_code": self.code,
            "error_description": self.description, "total_progress": 0.0,
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// 403 in Manager's envelope unless the caller may perform `action`.
pub fn permit(who: &Principal, action: &str) -> Result<(), MrsError> {
    // A fault rule that hits refuses too: the fault layer answers with its error.
    if crate::faults::allows(who, action) {
        Ok(())
    } else {
        Err(MrsError::new(
            StatusCode::FORBIDDEN,
            codes::PERMISSION_DENIED,
            format!("permission denied: {action} is not allowed for this user"),
        ))
    }
}

/// The envelope of a synchronous answer, with `res_obj`.
pub fn ok_envelope(res_obj: Value) -> Json<Value> {
    Json(json!({
        "id": -1, "state": "COMPLETE", "error_code": 0, "error_description": "",
        "total_progress": 100.0, "res_obj": res_obj,
    }))
}

/// The cluster `raw_id` names, if the principal's project owns it; otherwise it does not exist.
pub fn visible_cluster<'a>(
    state: &'a AppState,
    who: &Principal,
    raw_id: &str,
) -> Result<&'a ClusterInfo, MrsError> {
    let missing = || {
        MrsError::new(
            StatusCode::NOT_FOUND,
            codes::NO_SUCH_CLUSTER,
            format!("cluster {raw_id} does not exist"),
        )
    };
    let id: i64 = raw_id.parse().map_err(|_| {
        MrsError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_PARAMETER,
            format!("cluster_id must be an integer, not {raw_id:?}"),
        )
    })?;
    state
        .clusters
        .iter()
        .find(|c| c.id == id && who.project_id.as_deref() == Some(c.project_id.as_str()))
        .ok_or_else(missing)
}

/// Manager's display name of a service status.
pub use switchboard_core::family::mrs_status as status_name;
