//! `GET /switchboard/v1/audit`: the caller's project's audit trail, newest first, filtered in
//! the store by principal, action, target, outcome and time.

use super::{NativeError, Page};
use crate::auth::Authenticated;
use crate::time::iso_millis;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_store::{AuditFilter, TextMatch};

/// The audit list's query (documentation only: the handler reads a map, so that a bad value
/// gets this API's envelope).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct AuditQuery {
    /// Page size (1 to 1000, default 100)
    limit: Option<u32>,
    /// Entries to skip (costs what it skips: prefer `marker`)
    offset: Option<u32>,
    /// Only records older than this id (the previous page's `next_marker`)
    marker: Option<i64>,
    /// The principal, exactly as recorded (`admin@<domain id>`)
    principal: Option<String>,
    /// The action (`mrs:service:start`), or a prefix ending with `*` (`mrs:*`)
    action: Option<String>,
    /// A resource id or name, as recorded
    target: Option<String>,
    /// The outcome (`accepted`, `done`), or a prefix ending with `*` (`refused*`)
    outcome: Option<String>,
    /// Records at or after this time: RFC 3339 (`2026-01-02T03:04:05Z`) or epoch milliseconds
    since: Option<String>,
    /// Records at or before this time: RFC 3339 or epoch milliseconds
    until: Option<String>,
}

#[utoipa::path(
    get,
    path = "/switchboard/v1/audit",
    tag = "Switchboard",
    params(AuditQuery),
    responses(
        (status = 200, description = "OK", body = crate::openapi::native::NativeAudit),
        crate::openapi::NativeRead,
    )
)]
pub async fn list_audit(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, "switchboard:audit:list")?;
    let (limit, offset) = Page(&query).bounds()?;
    let mut filter = filter(&query)?;
    let Some(project) = who.project_id.clone() else {
        return Ok(Json(
            json!({"records": [], "limit": limit, "offset": offset, "next_marker": null}),
        ));
    };
    filter.project_id = Some(project);
    (filter.limit, filter.offset) = (limit, offset);
    let records = state
        .store
        .audit(&filter)
        .await
        .map_err(NativeError::internal)?;
    let records: Vec<Value> = records
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "at": iso_millis(a.at), "principal": a.principal, "project_id": a.project_id,
                "action": a.action, "target": a.target, "request_id": a.request_id, "source": a.source,
                "outcome": a.outcome, "detail": a.detail,
            })
        })
        .collect();
    let next_marker = match records.last() {
        Some(last) if records.len() as i64 == limit => Some(last["id"].clone()),
        _ => None,
    };
    Ok(Json(
        json!({"records": records, "limit": limit, "offset": offset, "next_marker": next_marker}),
    ))
}

/// The filters of `query`; an empty value filters nothing.
fn filter(query: &HashMap<String, String>) -> Result<AuditFilter, NativeError> {
    let get = |k: &str| query.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let since = get("since").map(|v| instant("since", v)).transpose()?;
    let until = get("until").map(|v| instant("until", v)).transpose()?;
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(NativeError::bad_request("since must not be after until"));
        }
    }
    let before = match get("marker") {
        None => None,
        Some(m) => Some(m.parse::<i64>().map_err(|_| {
            NativeError::bad_request(format!("marker must be an audit record id, not {m:?}"))
        })?),
    };
    Ok(AuditFilter {
        before,
        principal: get("principal").map(str::to_string),
        action: get("action").map(TextMatch::parse),
        target: get("target").map(str::to_string),
        outcome: get("outcome").map(TextMatch::parse),
        since,
        until,
        ..AuditFilter::default()
    })
}

/// An RFC 3339 time or epoch milliseconds, as milliseconds.
fn instant(name: &str, v: &str) -> Result<i64, NativeError> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(ms) = v.parse::<i64>() {
            return Ok(ms);
        }
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            NativeError::bad_request(format!(
                "{name} must be an RFC 3339 time or epoch milliseconds, not {v:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_epoch_milliseconds() {
        assert_eq!(
            instant("since", "1700000000000").unwrap(),
            1_700_000_000_000
        );
        assert_eq!(
            instant("since", "2023-11-14T22:13:20Z").unwrap(),
            1_700_000_000_000
        );
        assert_eq!(
            instant("since", "2023-11-14T23:13:20.5+01:00").unwrap(),
            1_700_000_000_500
        );
        for bad in ["yesterday", "-5", "2023-11-14", "99999999999999999999"] {
            assert!(instant("since", bad).is_err(), "{bad}");
        }
    }
}
