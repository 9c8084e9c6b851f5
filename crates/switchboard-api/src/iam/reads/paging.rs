//! Keystone's list limit: a list answers at most [`LIST_LIMIT`] items and says
//! `"truncated": true` when it cut some, as Keystone's `[DEFAULT] list_limit` does. As an
//! extension, `limit` (1 to [`LIST_LIMIT`]) asks for fewer and `marker` (the last id of the
//! previous page) resumes after it; a cut list's `links.next` carries both, so clients that
//! follow `next` (openstacksdk) walk every item once.

use crate::iam::KeystoneError;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Keystone's `list_limit`: the most items one list answers (and its default page).
pub const LIST_LIMIT: usize = 1000;

/// What names an item for `marker`: its id, or (role assignments have none) its link.
fn key_of(item: &Value) -> Option<&str> {
    item.get("id")
        .and_then(Value::as_str)
        .or_else(|| item.pointer("/links/assignment").and_then(Value::as_str))
}

/// The page `query` asks for of `items` (already filtered) in Keystone's list body, with
/// `truncated` and `links.next` when more follow. A bad `limit` or an unknown `marker` is 400.
pub fn paged(
    base: &str,
    path: &str,
    key: &str,
    items: Vec<Value>,
    query: &HashMap<String, String>,
) -> Result<Value, KeystoneError> {
    let limit = match query.get("limit") {
        None => LIST_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=LIST_LIMIT).contains(&n) => n,
            _ => {
                return Err(KeystoneError::bad_request(format!(
                    "Invalid limit {text:?}: expected a whole number from 1 to {LIST_LIMIT}."
                )))
            }
        },
    };
    let start = match query.get("marker") {
        None => 0,
        Some(marker) => {
            let at = items
                .iter()
                .position(|i| key_of(i) == Some(marker.as_str()));
            at.map(|i| i + 1).ok_or_else(|| {
                KeystoneError::bad_request(format!("Invalid marker {marker:?}: not in this list."))
            })?
        }
    };
    let more = items.len().saturating_sub(start) > limit;
    let page: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let next = match (more, page.last().and_then(key_of)) {
        (true, Some(last)) => {
            // The same filters, from the last item on.
            let mut pairs: Vec<(&str, &str)> = query
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "limit" | "marker"))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            pairs.sort_unstable();
            let limit = limit.to_string();
            pairs.extend([("limit", limit.as_str()), ("marker", last)]);
            let encode = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
            let q: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            json!(format!("{base}/v3/{path}?{}", q.join("&")))
        }
        _ => Value::Null,
    };
    let mut body = json!({ key: page, "links": {"self": format!("{base}/v3/{path}"), "previous": null, "next": next} });
    if more {
        body["truncated"] = json!(true);
    }
    Ok(body)
}
