//! What the log layer reads off a request and its answer without changing either: the body as
//! the handler reads it, the path's project, and the code of an error answer.

use axum::body::Body;
use axum::extract::RawPathParams;
use axum::http::{header, request::Parts, HeaderMap};
use axum::response::Response;
use axum::RequestPartsExt;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// The start of a body, kept as it streams past, and its whole length.
#[derive(Default)]
struct Kept {
    bytes: Vec<u8>,
    length: u64,
}

/// The copy [`tee`] keeps.
pub struct Tee {
    kept: Arc<Mutex<Kept>>,
}

impl Tee {
    /// The bytes kept and the length read so far.
    pub fn taken(&self) -> (Vec<u8>, u64) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        (std::mem::take(&mut kept.bytes), kept.length)
    }
}

/// `body` unchanged for the handler, keeping its first `limit` bytes as they pass.
pub fn tee(body: Body, limit: usize) -> (Body, Tee) {
    let kept = Arc::new(Mutex::new(Kept::default()));
    let copy = kept.clone();
    let body = body.map_frame(move |frame| {
        if let Some(data) = frame.data_ref() {
            let mut k = copy.lock().unwrap_or_else(|p| p.into_inner());
            k.length += data.len() as u64;
            let room = limit.saturating_sub(k.bytes.len());
            k.bytes.extend_from_slice(&data[..room.min(data.len())]);
        }
        frame
    });
    (Body::new(body), Tee { kept })
}

/// Whether the body is a form (`a=b&c=d`), masked like a query.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The `project_id` the route's path names.
pub async fn path_project(parts: &mut Parts) -> Option<String> {
    let params = parts.extract::<RawPathParams>().await.ok()?;
    params
        .iter()
        .find(|(k, _)| *k == "project_id")
        .map(|(_, v)| v.to_string())
}

/// The error code and message of an error answer, read from its body (which is put back).
/// Streams, large bodies and successes pass unread.
pub async fn error_of(response: Response) -> (Response, Option<(String, String)>) {
    let status = response.status();
    let streaming = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let small = axum::body::HttpBody::size_hint(response.body())
        .upper()
        .is_some_and(|n| n <= super::ERROR_BODY_MAX as u64);
    if status.as_u16() < 400 || streaming || !small {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, super::ERROR_BODY_MAX).await {
        Ok(b) => b,
        Err(_) => return (Response::from_parts(parts, Body::empty()), None),
    };
    let code = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| code_of(&v));
    (Response::from_parts(parts, Body::from(bytes)), code)
}

/// The code and message of an error envelope, whichever family's: `error_code` (MRS, DBSS,
/// Live), `error.code` (BMS, Keystone, Switchboard), or Nova's `{"<fault>": {"code", …}}`
/// (the fault's name is its code).
pub fn code_of(v: &Value) -> Option<(String, String)> {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let obj = v.as_object()?;
    if let Some(code) = text(obj.get("error_code")) {
        let message = text(obj.get("error_msg").or(obj.get("error_description")));
        return Some((code, message.unwrap_or_default()));
    }
    if let Some(Value::Object(e)) = obj.get("error") {
        let message = text(e.get("message")).unwrap_or_default();
        return text(e.get("code")).map(|c| (c, message));
    }
    if let [(fault, Value::Object(f))] = obj.iter().collect::<Vec<_>>().as_slice() {
        if f.contains_key("code") {
            return Some((
                fault.to_string(),
                text(f.get("message")).unwrap_or_default(),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::code_of;
    use serde_json::json;

    #[test]
    fn every_family_s_envelope_gives_its_code() {
        let code = |v| code_of(&v).map(|c| c.0);
        assert_eq!(
            code(json!({"error_code": "DBSS.00000001", "error_msg": "x"})).as_deref(),
            Some("DBSS.00000001")
        );
        assert_eq!(
            code(json!({"id": -1, "error_code": 12000001})).as_deref(),
            Some("12000001")
        );
        assert_eq!(
            code(json!({"error": {"code": "BMS.0002", "message": "m"}})).as_deref(),
            Some("BMS.0002")
        );
        assert_eq!(
            code(json!({"error": {"code": 401, "title": "Unauthorized"}})).as_deref(),
            Some("401")
        );
        assert_eq!(
            code(json!({"itemNotFound": {"code": 404, "message": "m"}})).as_deref(),
            Some("itemNotFound")
        );
        assert_eq!(code(json!({"servers": []})), None);
    }
}
