//! Keystone's error body: `{"error":{"code":401,"title":"Unauthorized","message":…}}`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct KeystoneError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

impl KeystoneError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        KeystoneError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        KeystoneError {
            status: StatusCode::UNAUTHORIZED,
            message: "The request you have made requires authentication.".into(),
            retry_after: None,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        KeystoneError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        KeystoneError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429 with the refusal's message and `Retry-After`.
    pub fn too_many_requests(refused: crate::login::Refused) -> Self {
        KeystoneError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: refused.message().into(),
            retry_after: Some(refused.retry_after()),
        }
    }

    pub fn internal() -> Self {
        KeystoneError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "An unexpected error prevented the server from fulfilling your request."
                .into(),
            retry_after: None,
        }
    }
}

impl From<crate::body::BodyError> for KeystoneError {
    fn from(e: crate::body::BodyError) -> Self {
        KeystoneError {
            status: e.status(),
            message: e.message(),
            retry_after: None,
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
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        response
    }
}
