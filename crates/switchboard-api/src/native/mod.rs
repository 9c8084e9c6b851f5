//! Switchboard's own API under `/switchboard/v1`: tasks, resources, audit. One error envelope:
//! `{"error":{"code":"not_found","message":…,"request_id":…}}`.

pub(crate) mod audit;
pub(crate) mod events;
pub(crate) mod faults;
pub(crate) mod plans;
pub(crate) mod policies;
pub(crate) mod requests;
pub(crate) mod resources;
pub(crate) mod session;
pub(crate) mod state;
pub(crate) mod tasks;
pub(crate) mod transitions;
mod user_body;
pub(crate) mod users;

pub use audit::list_audit;
pub use events::{stream_events, EventStreams};
pub use faults::{append_faults, delete_faults, list_faults, list_fired, replace_faults};
pub use plans::preview_plan;
pub use policies::{delete_policy, list_policies, put_policy};
pub use requests::list_requests;
pub use resources::list_resources;
pub use session::get_session;
pub use state::{export_state, import_state, reset_state};
pub use tasks::{cancel_task, get_task, list_tasks};
pub use transitions::{
    advance_clock, delete_transitions, get_clock, list_transitions, set_transitions,
};
pub use users::{create_user, delete_user, list_users, modify_user};

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
        // A fault rule that hits refuses too: the fault layer answers with its error.
        if crate::faults::allows(who, action) {
            Ok(())
        } else {
            Err(NativeError::forbidden(format!(
                "{action} is not allowed for this user"
            )))
        }
    }

    /// [`permit`](Self::permit), then refuses anyone but a system administrator: for what every
    /// project shares (the whole state, the simulated clock).
    pub fn permit_system(who: &switchboard_identity::Principal, action: &str) -> Result<(), Self> {
        Self::permit(who, action)?;
        if !who.system_admin {
            return Err(Self::forbidden(format!(
                "{action} is for system administrators: it reaches every project"
            )));
        }
        Ok(())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        NativeError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: message.into(),
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

impl From<switchboard_store::StoreError> for NativeError {
    fn from(err: switchboard_store::StoreError) -> Self {
        NativeError::internal(err)
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
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}

/// The largest `offset`: an offset costs what it skips, so deeper pages go by `marker`.
pub const MAX_OFFSET: i64 = 10_000;

/// `?limit=&offset=` with bounds, read from a query map (which never fails to extract, so a
/// bad query gets this API's own error envelope).
pub struct Page<'a>(pub &'a std::collections::HashMap<String, String>);

impl Page<'_> {
    /// (limit 1–1000, default 100; offset 0–[`MAX_OFFSET`], default 0).
    pub fn bounds(&self) -> Result<(i64, i64), NativeError> {
        let limit = parse_int("limit", self.0.get("limit").map(String::as_str), 100)?;
        let offset = parse_int("offset", self.0.get("offset").map(String::as_str), 0)?;
        if !(1..=1000).contains(&limit) {
            return Err(NativeError::bad_request("limit must be between 1 and 1000"));
        }
        if offset < 0 {
            return Err(NativeError::bad_request("offset must not be negative"));
        }
        if offset > MAX_OFFSET {
            return Err(NativeError::bad_request(format!(
                "offset must be at most {MAX_OFFSET}: page further with marker (the answer's next_marker)"
            )));
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

/// Each of `items` as a `T`; an error names the item and the field (`rules[2].error.code: …`).
pub(crate) fn items_of<T: serde::de::DeserializeOwned>(
    items: Vec<serde_json::Value>,
    name: &str,
) -> Result<Vec<T>, NativeError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_path_to_error::deserialize::<_, T>(item).map_err(|e| {
                let path = e.path().to_string();
                let at = if path == "." {
                    String::new()
                } else {
                    format!(".{path}")
                };
                NativeError::bad_request(format!("{name}[{i}]{at}: {}", e.inner()))
            })
        })
        .collect()
}
