//! Every family's error envelope as a schema, and the sets of 4xx responses operations refer
//! to. The gateway's envelope (authentication, AK/SK, unknown operations) can answer on any
//! family's route, so each family's errors are "its own envelope or the gateway's".

use serde_json::{json, Value};
use std::collections::BTreeMap;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// A set of 4xx responses, all with `schema` (a component) as their body.
macro_rules! error_set {
    ($($(#[$doc:meta])* $name:ident = $schema:literal [$($status:literal),*];)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                responses($schema, &[$($status),*])
            }
        }
    )*};
}

error_set! {
    /// Keystone's reads.
    KeystoneRead = "KeystoneErrors" [400, 401, 403, 404];
    /// Keystone's and IAM's writes, and token creation (rate-limited).
    KeystoneWrite = "KeystoneErrors" [400, 401, 403, 404, 409, 413, 429];
    /// Nova's reads (406: a microversion above the maximum).
    NovaRead = "NovaErrors" [400, 401, 403, 404, 406];
    /// Nova's writes and actions.
    NovaWrite = "NovaErrors" [400, 401, 403, 404, 406, 409, 413];
    /// Glance's reads.
    GlanceRead = "GlanceErrors" [400, 401, 403, 404];
    /// MRS Manager's reads.
    MrsRead = "MrsErrors" [400, 401, 403, 404];
    /// MRS Manager's operations (secondary password attempts are rate-limited).
    MrsWrite = "MrsErrors" [400, 401, 403, 404, 409, 413, 429];
    /// DBSS's reads.
    DbssRead = "DbssErrors" [400, 401, 403, 404];
    /// DBSS's writes.
    DbssWrite = "DbssErrors" [400, 401, 403, 404, 409, 413];
    /// Live's reads.
    LiveRead = "LiveErrors" [400, 401, 403, 404];
    /// Live's writes.
    LiveWrite = "LiveErrors" [400, 401, 403, 404, 409, 413];
    /// BMS v1's reads.
    BmsRead = "BmsErrors" [400, 401, 403, 404];
    /// BMS v1's batch actions.
    BmsWrite = "BmsErrors" [400, 401, 403, 404, 409, 413];
    /// The native API's reads.
    NativeRead = "NativeErrors" [400, 401, 403, 404];
    /// The native API's writes.
    NativeWrite = "NativeErrors" [400, 401, 403, 404, 409, 413, 429];
    /// The request log: a read that is refused while the log is off.
    NativeLog = "NativeErrors" [400, 401, 403, 409];
    /// The event stream: a read that may also be refused when too many streams are open.
    NativeStream = "NativeErrors" [400, 401, 403, 404, 503];
}

fn responses(schema: &str, statuses: &[u16]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    statuses
        .iter()
        .map(|status| {
            let reason = axum::http::StatusCode::from_u16(*status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build();
            let response = ResponseBuilder::new()
                .description(reason)
                .content("application/json", content)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

fn string() -> Value {
    json!({"type": "string"})
}

/// `{"error": {...}}` with `inner`'s properties, all required.
fn wrapped(inner: Value) -> Value {
    let required: Vec<&String> = inner
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    json!({"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": required, "properties": inner}}})
}

fn either(own: &str) -> Value {
    json!({"anyOf": [
        {"$ref": format!("#/components/schemas/{own}")},
        {"$ref": "#/components/schemas/GatewayError"},
    ]})
}

/// The envelopes, and each family's "own or the gateway's".
pub fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "GatewayError",
            json!({
            "description": "The API gateway's envelope (APIGW.xxxx codes).",
            "type": "object", "required": ["error_code", "error_msg"],
            "properties": {"error_code": string(), "error_msg": string(), "request_id": string()}}),
        ),
        (
            "KeystoneError",
            wrapped(json!({
            "code": {"type": "integer"}, "title": string(), "message": string()})),
        ),
        (
            "NovaFault",
            json!({
            "description": "`{\"<faultName>\": {\"code\", \"message\"}}`, e.g. `itemNotFound`.",
            "type": "object", "minProperties": 1, "maxProperties": 1,
            "additionalProperties": {"type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": string()}}}),
        ),
        (
            "GlanceError",
            json!({
            "type": "object", "required": ["code", "title", "message"],
            "properties": {"code": string(), "title": string(), "message": string()}}),
        ),
        (
            "MrsError",
            json!({
            "type": "object", "required": ["error_code", "error_description", "state"],
            "properties": {"id": {"type": "integer"}, "state": string(),
                "error_code": {"type": "integer"}, "error_description": string(),
                "total_progress": {"type": "number"}}}),
        ),
        (
            "DbssError",
            json!({
            "type": "object", "required": ["error_code", "error_msg"],
            "properties": {"error_code": string(), "error_msg": string(),
                "details": {"type": "array", "items": {"type": "object"}}}}),
        ),
        (
            "LiveError",
            json!({
            "type": "object", "required": ["error_code", "error_msg"],
            "properties": {"error_code": string(), "error_msg": string()}}),
        ),
        (
            "BmsError",
            wrapped(json!({"code": string(), "message": string()})),
        ),
        (
            "NativeError",
            wrapped(json!({
            "code": string(), "message": string(), "request_id": string()})),
        ),
        ("KeystoneErrors", either("KeystoneError")),
        ("NovaErrors", either("NovaFault")),
        ("GlanceErrors", either("GlanceError")),
        ("MrsErrors", either("MrsError")),
        ("DbssErrors", either("DbssError")),
        ("LiveErrors", either("LiveError")),
        ("BmsErrors", either("BmsError")),
        ("NativeErrors", either("NativeError")),
    ]
}
