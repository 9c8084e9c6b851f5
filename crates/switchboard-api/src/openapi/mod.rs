//! The OpenAPI 3.1 document served at `GET /openapi.json`, generated from the handlers'
//! `#[utoipa::path]` annotations. One file per group of families lists its operations and the
//! JSON Schemas of its bodies; `errors` holds every family's error envelope.
//!
//! Bodies the handlers build as `serde_json::Value` are named by marker types ([`bodies!`]) and
//! described by hand-written JSON Schemas (2020-12, as OpenAPI 3.1 takes them), which replace
//! the markers' placeholders when the document is assembled.

pub(crate) mod compute;
mod console;
mod errors;
pub(crate) mod identity;
pub(crate) mod live_bms;
pub(crate) mod mrs_dbss;
pub(crate) mod native;
pub(crate) mod queries;
pub(crate) mod transitions;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use utoipa::OpenApi;

pub use errors::*;

/// Unit structs standing for JSON bodies; their schemas come from the family's `schemas()`.
macro_rules! bodies {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("The `", stringify!($name), "` body (schema in `components`).")]
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::Object::new().into()
            }
        }
        impl utoipa::ToSchema for $name {}
    )*};
}
pub(crate) use bodies;

/// Routes served by one handler at more than one path: (extra path, documented path).
const ALIASES: &[(&str, &str)] = &[
    ("/v3/", "/v3"),
    ("/identity", "/"),
    ("/identity/", "/"),
    ("/compute/", "/compute"),
    ("/v2.1/", "/v2.1"),
    ("/v2.1/{project_id}", "/v2.1"),
    ("/v2.1/{project_id}/", "/v2.1"),
    ("/image/", "/image"),
    ("/v1.1", "/v1"),
];

/// Groups also served under a DevStack prefix: (path prefix, mount point).
const PREFIXED: &[(&str, &str)] = &[
    ("/v3", crate::prefix::IDENTITY),
    ("/v2.1", crate::prefix::COMPUTE),
    ("/image", crate::prefix::COMPUTE),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard",
        description = "Lifecycle control plane: Keystone v3, Huawei IAM credentials, MRS Manager, \
                       DBSS db-om, Live flows, Nova v2.1, Glance v2, BMS v1 and Switchboard's own API.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    security(("token" = []), ("aksk" = []))
)]
struct Root;

/// The `X-Auth-Token` header and the AK/SK `Authorization` signature.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Auth-Token",
                "A Keystone token from `POST /v3/auth/tokens` (its `X-Subject-Token`).",
            ))),
        );
        components.add_security_scheme(
            "aksk",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` over the canonical \
                 request, with `X-Sdk-Date` (Huawei Cloud AK/SK signing).",
            ))),
        );
    }
}

/// The whole document as JSON.
pub fn document() -> Value {
    let mut doc = Root::openapi();
    doc.merge(identity::Doc::openapi());
    doc.merge(compute::Doc::openapi());
    doc.merge(mrs_dbss::Doc::openapi());
    doc.merge(live_bms::Doc::openapi());
    doc.merge(native::Doc::openapi());
    doc.merge(transitions::Doc::openapi());
    doc.merge(console::Doc::openapi());
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    doc["openapi"] = json!("3.1.0");
    let schemas = &mut doc["components"]["schemas"];
    for (name, schema) in errors::schemas()
        .into_iter()
        .chain(identity::schemas())
        .chain(compute::schemas())
        .chain(mrs_dbss::schemas())
        .chain(live_bms::schemas())
        .chain(native::schemas())
        .chain(transitions::schemas())
    {
        schemas[name] = schema;
    }
    let mut paths = doc["paths"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    // Handler names repeat across families (`list_servers`): the tag tells them apart.
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|i| i.values_mut())
    {
        let tag = op["tags"][0]
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .replace(' ', "_");
        if let Some(id) = op["operationId"].as_str() {
            op["operationId"] = json!(format!("{tag}_{id}"));
        }
    }
    doc["paths"] = Value::Object(with_aliases(paths));
    doc
}

/// `paths` with every alias and every prefixed copy of its group's paths.
fn with_aliases(mut paths: Map<String, Value>) -> Map<String, Value> {
    for (alias, path) in ALIASES {
        if let Some(item) = paths.get(*path) {
            let item = copy(item, alias);
            paths.insert(alias.to_string(), item);
        }
    }
    let names: Vec<String> = paths.keys().cloned().collect();
    for name in names {
        for (group, mount) in PREFIXED {
            if name.starts_with(group) {
                let alias = format!("{mount}{name}");
                let item = copy(&paths[&name], &alias);
                paths.insert(alias, item);
            }
        }
    }
    paths
}

/// `item` served at `alias`: its own operation ids, and the alias's path parameters.
fn copy(item: &Value, alias: &str) -> Value {
    let mut item = item.clone();
    let suffix: String = alias
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let params: Vec<&str> = alias
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .collect();
    if let Some(ops) = item.as_object_mut() {
        for op in ops.values_mut() {
            if let Some(id) = op["operationId"].as_str() {
                op["operationId"] = json!(format!("{id}{suffix}"));
            }
            let list = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut list: Vec<Value> = list;
            for p in &params {
                if !list.iter().any(|x| x["name"] == *p && x["in"] == "path") {
                    list.push(json!({"name": p, "in": "path", "required": true,
                                     "schema": {"type": "string"}}));
                }
            }
            if !list.is_empty() {
                op["parameters"] = Value::Array(list);
            }
        }
    }
    item
}

/// `GET /openapi.json`: the document, built once.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "Switchboard",
    security(()),
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json"))
)]
pub async fn serve() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let body = DOC.get_or_init(|| document().to_string());
    ([(header::CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}

/// An object schema: `required` keys, `props` their schemas (others allowed).
fn object(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "required": required, "properties": props})
}

/// `{"<key>": [item, ...]}`, the shape of most list answers.
fn list_of(key: &str, item: Value) -> Value {
    let mut props = Map::new();
    props.insert(key.into(), json!({"type": "array", "items": item}));
    object(&[key], Value::Object(props))
}

/// `{"<key>": item}`, the shape of most show answers.
fn one(key: &str, item: Value) -> Value {
    let mut props = Map::new();
    props.insert(key.into(), item);
    object(&[key], Value::Object(props))
}

/// Strings named `keys`, for `properties`.
fn strings(keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), json!({"type": "string"})))
            .collect(),
    )
}
