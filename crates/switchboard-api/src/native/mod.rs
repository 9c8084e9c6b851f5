//! Switchboard's own API under `/switchboard/v1`: tasks, resources, audit. One error envelope:
//! `{"error":{"code":"not_found","message":…,"request_id":…}}`.

mod resources;
mod tasks;
mod users;

pub use resources::{list_audit, list_resources};
pub use tasks::{cancel_task, get_task, list_tasks};
pub use users::{
    create_user, delete_policy, delete_user, list_policies, list_users, modify_user, put_policy,
};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct NativeError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl NativeError {
    pub fn not_found(message: impl Into<String>) -> Self {
        NativeError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        NativeError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }

    /// 403 unless the caller may perform `action`.
    pub fn permit(who: &switchboard_identity::Principal, action: &str) -> Result<(), Self> {
        if who.may(action) {
            Ok(())
        } else {
            Err(NativeError {
                status: StatusCode::FORBIDDEN,
                code: "forbidden",
                message: format!("{action} is not allowed for this user"),
            })
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        NativeError {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: message.into(),
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "native API request failed");
        NativeError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error".into(),
        }
    }
}

impl From<crate::body::BodyError> for NativeError {
    fn from(e: crate::body::BodyError) -> Self {
        let code = match e {
            crate::body::BodyError::TooLarge => "payload_too_large",
            _ => "bad_request",
        };
        NativeError {
            status: e.status(),
            code,
            message: e.message(),
        }
    }
}

impl IntoResponse for NativeError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {
            "code": self.code, "message": self.message, "request_id": crate::request_id::current()
        }});
        (self.status, Json(body)).into_response()
    }
}

/// `?limit=&offset=` with bounds, read from a query map (which never fails to extract, so a
/// bad query gets this API's own error envelope).
pub struct Page<'a>(pub &'a std::collections::HashMap<String, String>);

impl Page<'_> {
    /// (limit 1–1000, default 100; offset ≥ 0, default 0).
    pub fn bounds(&self) -> Result<(i64, i64), NativeError> {
        let limit = parse_int("limit", self.0.get("limit").map(String::as_str), 100)?;
        let offset = parse_int("offset", self.0.get("offset").map(String::as_str), 0)?;
        if !(1..=1000).contains(&limit) {
            return Err(NativeError::bad_request("limit must be between 1 and 1000"));
        }
        if offset < 0 {
            return Err(NativeError::bad_request("offset must not be negative"));
        }
        Ok((limit, offset))
    }
}

fn parse_int(name: &str, raw: Option<&str>, default: i64) -> Result<i64, NativeError> {
    raw.map_or(Ok(default), |v| {
        v.parse()
            .map_err(|_| NativeError::bad_request(format!("{name} must be an integer, not {v:?}")))
    })
}
