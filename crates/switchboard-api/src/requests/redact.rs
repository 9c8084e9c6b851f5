//! Credentials masked in what the request log keeps: the headers that carry them, query and
//! form parameters and JSON members named like secrets, whatever the family. Masking works on
//! the text as sent (not a re-serialisation), so the rest stays byte for byte what the client
//! sent, and a truncated or malformed body is masked too.

use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// Masked values read this.
pub const MASK: &str = "***";

/// Headers kept as sent.
const SHOWN: &[&str] = &[
    "host",
    "content-type",
    "accept",
    "user-agent",
    "x-request-id",
    "x-openstack-request-id",
    "openstack-api-version",
    "x-openstack-nova-api-version",
    "x-project-id",
    "x-sdk-date",
];

/// Headers shown as present, their values masked.
fn is_credential_header(name: &str) -> bool {
    name == "authorization"
        || name.starts_with("x-auth-")
        || name == "x-subject-token"
        || name == "x-security-token"
}

/// The selected headers, each cut at `max` bytes; credentials masked (an `Authorization`
/// keeps its scheme, `SDK-HMAC-SHA256 ***`).
pub fn headers(headers: &HeaderMap, max: usize) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in headers {
        let name = name.as_str();
        if out.contains_key(name) {
            continue;
        }
        // Decided on the name first: most headers are neither shown nor masked.
        let shown = if is_credential_header(name) {
            if name != "authorization" {
                MASK.to_string()
            } else {
                match String::from_utf8_lossy(value.as_bytes()).split_once(' ') {
                    Some((scheme, _)) => format!("{} {MASK}", cut(scheme, 64)),
                    None => MASK.to_string(),
                }
            }
        } else if SHOWN.contains(&name) {
            cut(&String::from_utf8_lossy(value.as_bytes()), max)
        } else {
            continue;
        };
        out.insert(name.to_string(), Value::String(shown));
    }
    out
}

/// Whether a parameter or member of this name holds a secret.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "blob",
        "private_key",
        "signature",
    ]
    .iter()
    .any(|s| key.contains(s))
        || key == "sk"
}

/// A query (or form) with the values of secret parameters masked.
pub fn query(q: &str) -> String {
    q.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret(&percent_decoded(k)) => format!("{k}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `kept` (a body's start) as text, secrets masked: a form like a query, anything else as JSON
/// text (only members named like secrets change; other bytes are kept).
pub fn body(kept: &[u8], form: bool) -> String {
    let text = String::from_utf8_lossy(kept);
    if form {
        query(&text)
    } else {
        json_text(&text)
    }
}

/// Masks, in JSON text, the scalar values of members named like secrets, and the `id` of a
/// `token` object (Keystone's token method).
fn json_text(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    let mut token_object = false;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let end = string_end(b, i);
        // An unterminated string (a cut body) is no key.
        let key = if b.get(end - 1) == Some(&b'"') && end > i + 1 {
            text.get(i + 1..end - 1).unwrap_or("")
        } else {
            ""
        };
        let mut j = skip_ws(b, end);
        if j >= b.len() || b[j] != b':' {
            i = end;
            continue;
        }
        j = skip_ws(b, j + 1);
        let secret = is_secret(key) || (token_object && key == "id");
        if key == "token" && b.get(j) == Some(&b'{') {
            token_object = true;
        } else if key == "id" {
            token_object = false;
        }
        let value_end = match b.get(j) {
            _ if !secret => None,
            Some(b'"') => Some(string_end(b, j)),
            Some(b'{') | Some(b'[') | None => None,
            Some(_) => Some(
                b[j..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
                    .map_or(b.len(), |n| j + n),
            ),
        };
        match value_end {
            Some(v) => {
                out.push_str(&text[copied..j]);
                out.push('"');
                out.push_str(MASK);
                out.push('"');
                copied = v;
                i = v;
            }
            None => i = j.max(end),
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Index just past the string starting at `start` (a quote), or the end of the text.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// `s` cut at `max` bytes (on a character boundary).
pub fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystone_password_and_token_methods_are_masked_and_the_rest_kept() {
        let sent = r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "s\"cret"}}}}}"#;
        assert_eq!(
            json_text(sent),
            r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "***"}}}}}"#
        );
        let sent = r#"{"auth":{"identity":{"methods":["token"],"token":{"id":"gAAA"}},"scope":{"project":{"id":"p1"}}}}"#;
        assert_eq!(
            json_text(sent),
            r#"{"auth":{"identity":{"methods":["token"],"token":{"id":"***"}},"scope":{"project":{"id":"p1"}}}}"#
        );
    }

    #[test]
    fn truncated_bodies_numbers_and_blobs_are_masked() {
        assert_eq!(
            json_text(r#"{"user_password": "abc"#),
            r#"{"user_password": "***""#
        );
        assert_eq!(
            json_text(r#"{"secret": 12345, "a": 1}"#),
            r#"{"secret": "***", "a": 1}"#
        );
        assert_eq!(
            json_text(r#"{"credential": {"blob": "{\"secret\": \"x\"}", "type": "ec2"}}"#),
            r#"{"credential": {"blob": "***", "type": "ec2"}}"#
        );
        assert_eq!(json_text("not json \"x"), "not json \"x");
        assert_eq!(
            json_text(r#"{"srt": {"passphrase": "p4ss"}}"#),
            r#"{"srt": {"passphrase": "***"}}"#
        );
    }

    #[test]
    fn queries_and_headers_are_masked() {
        assert_eq!(query("name=a&password=b&x"), "name=a&password=***&x");
        let mut h = HeaderMap::new();
        h.insert("x-auth-token", "tok".parse().unwrap());
        h.insert(
            "authorization",
            "SDK-HMAC-SHA256 Access=AK, Signature=s".parse().unwrap(),
        );
        h.insert("user-agent", "ua".parse().unwrap());
        h.insert("cookie", "c".parse().unwrap());
        let shown = headers(&h, 100);
        assert_eq!(shown["x-auth-token"], "***");
        assert_eq!(shown["authorization"], "SDK-HMAC-SHA256 ***");
        assert_eq!(shown["user-agent"], "ua");
        assert!(!shown.contains_key("cookie"));
    }
}
