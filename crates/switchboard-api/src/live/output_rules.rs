//! What a Live flow output may hold, from the SDK models (`AddFlowOutputsRequest`,
//! `UpdateFlowOutputRequestBody`): names start with a letter and hold letters, digits, `-` and
//! `_`; `min_latency` 10–15000 ms (2000 by default); at most 20 whitelist entries;
//! `destination` at most 64 characters and required for srt-caller; `stream_id` with
//! srt-caller only; `encryption` like a source's `decryption`.

use super::create::validate_key;
use serde_json::{json, Map, Value};

/// Outputs one flow may hold: the body is bounded, but repeated creations were not.
pub(super) const MAX_OUTPUTS: usize = 50;

/// Fields a modification may set (name, protocol and listener address are fixed).
pub(super) const MODIFIABLE: [&str; 8] = [
    "cidr_whitelist",
    "destination",
    "encryption",
    "output_status",
    "port",
    "stream_id",
    "description",
    "min_latency",
];

/// The output to store (only the documented fields, `type` set to the protocol), or what is
/// wrong with it. `new` outputs need a name and a protocol; stored ones have them already.
pub(super) fn validate_output(o: &Value, new: bool) -> Result<Value, String> {
    let o = o.as_object().ok_or("output must be an object")?;
    let text = |k: &str| -> Result<Option<&str>, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("{k} must be a string")),
        }
    };
    let name = text("name")?.ok_or("name is required")?;
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return Err(format!(
            "name {name:?} must start with a letter and hold only letters, digits, - and _ (at most 64)"
        ));
    }
    let protocol = text("protocol")?.or(if new { None } else { text("type")? });
    let protocol = match protocol {
        Some(p @ ("srt-caller" | "srt-listener")) => p,
        Some(p) => {
            return Err(format!(
                "protocol {p:?} is not one of srt-caller, srt-listener"
            ))
        }
        None => return Err("protocol is required".into()),
    };
    let destination = text("destination")?;
    if destination.is_some_and(|d| d.is_empty() || d.len() > 64) {
        return Err("destination must be 1 to 64 characters".into());
    }
    if protocol == "srt-caller" && destination.is_none() {
        return Err("destination is required for srt-caller".into());
    }
    if protocol == "srt-listener" && text("stream_id")?.is_some() {
        return Err("stream_id is for srt-caller outputs only".into());
    }
    if text("description")?.is_some_and(|d| d.chars().count() > 255) {
        return Err("description must be at most 255 characters".into());
    }
    let port = o.get("port").ok_or("port is required")?;
    if !port.as_i64().is_some_and(|p| (1..=65535).contains(&p)) {
        return Err(format!("port {port} must be an integer from 1 to 65535"));
    }
    if let Some(l) = o.get("min_latency") {
        if !l.as_i64().is_some_and(|l| (10..=15000).contains(&l)) {
            return Err(format!(
                "min_latency {l} must be an integer from 10 to 15000 (ms)"
            ));
        }
    }
    if let Some(list) = o.get("cidr_whitelist") {
        let ok = list.as_array().is_some_and(|l| {
            l.len() <= 20
                && l.iter()
                    .all(|c| c.as_str().is_some_and(|c| !c.is_empty() && c.len() <= 64))
        });
        if !ok {
            return Err(
                "cidr_whitelist must be an array of at most 20 strings of 1 to 64 characters"
                    .into(),
            );
        }
    }
    if !matches!(text("output_status")?, None | Some("ENABLED" | "DISABLED")) {
        return Err("output_status must be ENABLED or DISABLED".into());
    }
    if let Some(e) = o.get("encryption") {
        validate_key(e, "encryption")?;
    }
    let mut kept: Map<String, Value> = o
        .iter()
        .filter(|(k, _)| MODIFIABLE.contains(&k.as_str()) || k.as_str() == "name")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    kept.insert("protocol".into(), json!(protocol));
    kept.insert("type".into(), json!(protocol));
    if let Some(addr) = text("listener_address")? {
        if addr.is_empty() || addr.len() > 64 {
            return Err("listener_address must be 1 to 64 characters".into());
        }
        kept.insert("listener_address".into(), json!(addr));
    } else if protocol == "srt-listener" {
        kept.insert("listener_address".into(), json!("0.0.0.0"));
    }
    Ok(Value::Object(kept))
}
