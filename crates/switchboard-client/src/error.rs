//! What can go wrong talking to a server, split the way a caller acts on it.

use serde_json::Value;

/// A failed call: refused by the server, server-side failure, or no server at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered 4xx; `message` is the family's own error text.
    #[error("refused ({status}): {message}")]
    Refused {
        status: u16,
        message: String,
        body: Value,
    },
    /// The server answered 5xx.
    #[error("server error ({status}): {message}")]
    Server { status: u16, message: String },
    /// No answer: connection refused, DNS, timeout, a dropped connection.
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// An answer that is not what the API documents (not JSON, a missing field).
    #[error("unexpected answer: {0}")]
    Protocol(String),
}

impl Error {
    /// The HTTP status of a refusal or server error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Refused { status, .. } | Error::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn from_reqwest(url: &str, e: reqwest::Error) -> Error {
        if e.is_decode() {
            return Error::Protocol(e.to_string());
        }
        // The full chain: reqwest's own message says only "error sending request".
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason = format!("{reason}: {s}");
            source = s.source();
        }
        Error::Unreachable {
            url: url.to_string(),
            reason,
        }
    }
}

/// The human message inside any family's error envelope (MRS `error_description`, DBSS and
/// the gateway `error_msg`, Nova's `{"<fault>": {"message"}}`, Keystone's `error.message`,
/// the native API's `error.message`, BMS's `error.message`).
pub fn envelope_message(body: &Value) -> Option<String> {
    const KEYS: [&str; 5] = [
        "error_description",
        "error_msg",
        "message",
        "errorMessage",
        "error_message",
    ];
    let obj = body.as_object()?;
    for key in KEYS {
        if let Some(m) = obj
            .get(key)
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
        {
            return Some(m.to_string());
        }
    }
    // One level down: {"error": {"message"}} and Nova's {"conflictingRequest": {"message"}}.
    obj.values()
        .filter(|v| v.is_object())
        .find_map(envelope_message)
}
