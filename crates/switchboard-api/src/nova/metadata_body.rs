//! Metadata request bodies checked as Nova's schema checks them: `{"metadata": {…}}` or
//! `{"meta": {…}}`, keys `[a-zA-Z0-9-_:. ]{1,255}`, string values of at most 255 characters.

use super::NovaError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde_json::{Map, Value};
use switchboard_store::Metadata;

const MAX_LEN: usize = 255;

pub(super) fn invalid(path: &str, value: &Value, why: &str) -> NovaError {
    NovaError::bad_request(format!(
        "Invalid input for field/attribute {path}. Value: {value}. {why}"
    ))
}

fn key_ok(k: &str) -> bool {
    (1..=MAX_LEN).contains(&k.chars().count())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.' | ' '))
}

/// `{"<field>": {key: "value", …}}` and nothing else, as Nova's schema says.
pub(super) fn items(
    body: Result<Bytes, BytesRejection>,
    field: &str,
) -> Result<Metadata, NovaError> {
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| NovaError::bad_request(format!("'{field}' is a required property")))?;
    let obj = body
        .as_object()
        .ok_or_else(|| NovaError::bad_request(format!("{body} is not of type 'object'")))?;
    let inner = obj
        .get(field)
        .ok_or_else(|| NovaError::bad_request(format!("'{field}' is a required property")))?;
    if let Some(extra) = obj.keys().find(|k| *k != field) {
        return Err(NovaError::bad_request(format!(
            "Additional properties are not allowed ('{extra}' was unexpected)"
        )));
    }
    let map: &Map<String, Value> = inner
        .as_object()
        .ok_or_else(|| invalid(field, inner, &format!("{inner} is not of type 'object'")))?;
    let mut out = Metadata::new();
    for (k, v) in map {
        if !key_ok(k) {
            return Err(invalid(
                field,
                inner,
                &format!("Additional properties are not allowed ('{k}' was unexpected)"),
            ));
        }
        let text = v
            .as_str()
            .ok_or_else(|| invalid(k, v, &format!("{v} is not of type 'string'")))?;
        if text.chars().count() > MAX_LEN {
            return Err(invalid(k, v, &format!("{v} is too long")));
        }
        out.insert(k.clone(), text.to_string());
    }
    Ok(out)
}
