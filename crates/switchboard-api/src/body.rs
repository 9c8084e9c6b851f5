//! Reading a JSON request body (and checking path parameters); each family turns a `BodyError`
//! into its own error envelope.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    Unreadable(String),
    /// Not JSON at all.
    Malformed(String),
    /// JSON, but not the expected shape or types.
    Invalid(String),
    /// A path parameter that is not valid UTF-8 once percent-decoded.
    Path(String),
}

impl BodyError {
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn message(&self) -> String {
        match self {
            BodyError::TooLarge => "request body too large".into(),
            BodyError::Unreadable(m) => format!("request body could not be read: {m}"),
            BodyError::Malformed(m) => format!("malformed JSON body: {m}"),
            BodyError::Invalid(m) => format!("invalid request body: {m}"),
            BodyError::Path(m) => format!("invalid path parameter: {m}"),
        }
    }
}

/// Parses the body as `T`; an empty body gives `None` (SDKs send none with a JSON content type).
pub fn parse<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<Option<T>, BodyError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            BodyError::TooLarge
        } else {
            BodyError::Unreadable(e.body_text())
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| BodyError::Malformed(e.to_string()))?;
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| BodyError::Invalid(e.to_string()))
}
