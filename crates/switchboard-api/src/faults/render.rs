//! An API fault's error in the envelope of the family it hit.

use crate::{dbss, iam, nova};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::faults::FaultError;

/// `e` as `family` answers errors; the code defaults to the family's internal error.
pub(super) fn error(family: &str, e: &FaultError, rule_id: &str) -> Response {
    let status = e
        .status_code
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = e
        .message
        .clone()
        .unwrap_or_else(|| format!("Fault injected by rule {rule_id}"));
    let code = |default: &str| e.code.clone().unwrap_or_else(|| default.to_string());
    let body = match family {
        "nova" | "glance" => return nova::NovaError::new(status, message).into_response(),
        "iam" => {
            return iam::KeystoneError {
                status,
                message,
                retry_after: None,
            }
            .into_response()
        }
        "mrs" => {
            // Manager's codes are numbers; a code that is not one is sent as given.
            let code: Value = match &e.code {
                Some(c) => c.parse::<i64>().map_or_else(|_| json!(c), |n| json!(n)),
                None => json!(crate::mrs::codes::INTERNAL),
            };
            json!({
                "id": -1, "state": "FAILED", "error_code": code,
                "error_description": message, "total_progress": 0.0,
            })
        }
        "dbss" => {
            let code = code(dbss::codes::INTERNAL);
            json!({
                "error_code": code, "error_msg": message,
                "details": [{"error_code": code, "error_msg": message}],
            })
        }
        "live" => json!({"error_code": code("LIVE.100011000"), "error_msg": message}),
        "bms" => json!({"error": {"code": code("BMS.0002"), "message": message}}),
        _ => json!({"error": {
            "code": code("fault_injected"), "message": message,
            "request_id": crate::request_id::current(),
        }}),
    };
    (status, Json(body)).into_response()
}
