//! Keystone's error body: `{"error":{"code":401,"title":"Unauthorized","message":…}}`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct KeystoneError {
    pub status: StatusCode,
    pub message: String,
}

impl KeystoneError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        KeystoneError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        KeystoneError {
            status: StatusCode::UNAUTHORIZED,
            message: "The request you have made requires authentication.".into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        KeystoneError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        KeystoneError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    pub fn too_many_requests() -> Self {
        KeystoneError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: "Too many token requests from this address; retry later.".into(),
        }
    }

    pub fn internal() -> Self {
        KeystoneError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "An unexpected error prevented the server from fulfilling your request."
                .into(),
        }
    }
}

impl From<crate::body::BodyError> for KeystoneError {
    fn from(e: crate::body::BodyError) -> Self {
        KeystoneError {
            status: e.status(),
            message: e.message(),
        }
    }
}

impl From<switchboard_store::StoreError> for KeystoneError {
    fn from(err: switchboard_store::StoreError) -> Self {
        tracing::error!(%err, "identity store error");
        KeystoneError::internal()
    }
}

impl IntoResponse for KeystoneError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = serde_json::json!({
            "error": {"code": self.status.as_u16(), "title": title, "message": self.message}
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Keystone uri=\"/v3\""),
            );
        }
        response
    }
}
