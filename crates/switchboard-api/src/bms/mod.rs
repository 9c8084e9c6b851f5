//! Huawei-native BMS v1: batch start/stop/reboot of up to 1000 servers as one job, job
//! status, and the reads (servers, flavors, quota, version). Errors are
//! `{"error":{"code":"BMS.xxxx","message":…}}`.

pub(crate) mod actions;
pub(crate) mod flavors;
pub(crate) mod info;
pub(crate) mod jobs;
pub(crate) mod servers;

pub use actions::batch_action;
pub use flavors::list_flavors;
pub use info::{show_quota, show_version};
pub use jobs::show_job;
pub use servers::{list_servers, list_servers_v11, show_server};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug)]
pub struct BmsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl BmsError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        BmsError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        BmsError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "BMS request failed");
        BmsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "BMS.0006",
            "Fail to operate baremetal server",
        )
    }
}

impl From<crate::body::BodyError> for BmsError {
    fn from(e: crate::body::BodyError) -> Self {
        BmsError::new(
            e.status(),
            "BMS.0001",
            format!("request parse error: {}", e.message()),
        )
    }
}

impl IntoResponse for BmsError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response()
    }
}

/// 403 `BMS.0288` unless the caller may perform `action`.
pub fn permit(who: &switchboard_identity::Principal, action: &str) -> Result<(), BmsError> {
    // A fault rule that hits refuses too: the fault layer answers with its error.
    if crate::faults::allows(who, action) {
        Ok(())
    } else {
        Err(BmsError::new(
            StatusCode::FORBIDDEN,
            "BMS.0288",
            format!("Policy doesn't allow {action} to be performed."),
        ))
    }
}

/// A token for another project than the path's.
pub fn tenant_mismatch() -> BmsError {
    BmsError::bad(
        "Common.0018",
        "tenantId in the token does not match the tenantId in the URL",
    )
}
