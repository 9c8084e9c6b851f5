//! What a server's Nova body is made from (its times, host id, plain-list summary); the body
//! itself, at each microversion, is `server_body`'s.

use super::render::links;
use super::Microversion;
use crate::AppState;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha224};
use switchboard_engine::ResourceSnapshot;
use switchboard_identity::Principal;

/// The host of a server whose attributes name none.
pub const DEFAULT_HOST: &str = "bms-host-01";

/// The shown server is read by `show` (which adds 2.71's `server_groups`) or a detailed list;
/// `server_body` renders both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Show,
    Detail,
}

/// Everything a server body depends on besides the server.
pub struct Context<'a> {
    pub state: &'a AppState,
    pub who: &'a Principal,
    pub base: &'a str,
    pub version: Microversion,
}

/// `{id, name, links}` as in a plain server list.
pub fn summary(r: &ResourceSnapshot, base: &str) -> Value {
    json!({"id": r.spec.id, "name": r.spec.name, "links": links(base, &r.spec.project_id, "servers", &r.spec.id)})
}

/// When the server was created (`attrs.created`, RFC 3339), in milliseconds.
pub fn created_millis(r: &ResourceSnapshot) -> i64 {
    r.spec
        .attrs
        .get("created")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
        .unwrap_or(1_704_067_200_000)
}

/// When the server last changed: its last state change, never before its creation.
pub fn updated_millis(r: &ResourceSnapshot) -> i64 {
    r.updated_at.max(created_millis(r))
}

/// Nova's `utils.isotime`: seconds and a `Z`.
pub(super) fn isotime(ms: i64) -> String {
    at(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `OS-SRV-USG:launched_at`: microseconds, no zone (RFC 3339 without its `Z`: chrono's
/// `format` would parse a format string on every call).
pub(super) fn launched_at(ms: i64) -> String {
    let mut t = at(ms).to_rfc3339_opts(SecondsFormat::Micros, true);
    t.pop();
    t
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Nova's `generate_hostid`: sha224 of project and host, empty without a host.
pub fn host_id(project: &str, host: &str) -> String {
    if host.is_empty() {
        return String::new();
    }
    hex::encode(Sha224::digest(format!("{project}{host}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_novas_formats() {
        let ms = 1_704_067_200_123;
        assert_eq!(launched_at(ms), "2024-01-01T00:00:00.123000");
        assert_eq!(isotime(ms), "2024-01-01T00:00:00Z");
        assert_eq!(launched_at(0), "1970-01-01T00:00:00.000000");
    }
}
