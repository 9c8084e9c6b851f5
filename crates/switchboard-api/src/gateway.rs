//! The API gateway's error body, `{"error_code":"APIGW.xxxx","error_msg":…,"request_id":…}`,
//! used for authentication failures and for paths no family serves.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct GatewayError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl GatewayError {
    /// 401 APIGW.0301 with the gateway's message and a reason suffix.
    pub fn unauthorized(reason: &str) -> Self {
        GatewayError {
            status: StatusCode::UNAUTHORIZED,
            code: "APIGW.0301",
            message: format!("Incorrect IAM authentication information: {reason}"),
        }
    }

    /// 403 APIGW.0302: authenticated, but not allowed here.
    pub fn forbidden(reason: &str) -> Self {
        GatewayError {
            status: StatusCode::FORBIDDEN,
            code: "APIGW.0302",
            message: format!("The IAM user is not authorized to access the API: {reason}"),
        }
    }

    pub fn not_found() -> Self {
        GatewayError {
            status: StatusCode::NOT_FOUND,
            code: "APIGW.0101",
            message: "The API does not exist or has not been published in the environment".into(),
        }
    }

    pub fn unavailable() -> Self {
        GatewayError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "APIGW.0103",
            message: "The backend is unavailable".into(),
        }
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error_code": self.code,
            "error_msg": self.message,
            "request_id": crate::request_id::current(),
        });
        (self.status, Json(body)).into_response()
    }
}
