//! `GET /switchboard/v1/requests`: the request log, newest first, filtered by `family`,
//! `operation` (a glob, like policies), `status` (`404` or `4xx`), `request_id`, `since` (a
//! sequence number: only later ones) and `limit` (1–1000, 100). Administrators only
//! (`switchboard:request:list`); a project administrator sees the requests of its projects
//! (the caller's project or the path's). With the log off (`[requests] log = 0`) it answers
//! 409 `request_log_off`, saying how to turn it on.

use super::NativeError;
use crate::admin_scope::AdminScope;
use crate::auth::Authenticated;
use crate::requests::Entry;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_store::TaskFilter;

const LIST: &str = "switchboard:request:list";

/// The query's filters, checked.
struct Filter<'a> {
    family: Option<&'a str>,
    operation: Option<&'a str>,
    /// Exact status, or its hundreds for `4xx`.
    status: Option<(u16, bool)>,
    request_id: Option<&'a str>,
    since: u64,
    limit: usize,
}

impl<'a> Filter<'a> {
    fn parse(q: &'a HashMap<String, String>) -> Result<Filter<'a>, NativeError> {
        let status = match q.get("status").map(|s| s.to_ascii_lowercase()) {
            None => None,
            Some(s) => Some(match s.strip_suffix("xx") {
                Some(h) if matches!(h, "1" | "2" | "3" | "4" | "5") => {
                    (h.parse::<u16>().unwrap_or(0), true)
                }
                _ => match s.parse::<u16>() {
                    Ok(n) if (100..=599).contains(&n) => (n, false),
                    _ => {
                        return Err(NativeError::bad_request(format!(
                            "status must be a status like 404 or a class like 4xx, not {s:?}"
                        )))
                    }
                },
            }),
        };
        let number = |name: &str, default: u64| -> Result<u64, NativeError> {
            q.get(name).map_or(Ok(default), |v| {
                v.parse().map_err(|_| {
                    NativeError::bad_request(format!("{name} must be a whole number, not {v:?}"))
                })
            })
        };
        let limit = number("limit", 100)?;
        if !(1..=1000).contains(&limit) {
            return Err(NativeError::bad_request("limit must be between 1 and 1000"));
        }
        Ok(Filter {
            family: q.get("family").map(String::as_str),
            operation: q.get("operation").map(String::as_str),
            status,
            request_id: q.get("request_id").map(String::as_str),
            since: number("since", 0)?,
            limit: limit as usize,
        })
    }

    fn keeps(&self, e: &Entry) -> bool {
        self.family.is_none_or(|f| f == e.family)
            && self.operation.is_none_or(|p| {
                e.operation
                    .as_deref()
                    .is_some_and(|o| switchboard_identity::policy::matches(p, o))
            })
            && self.status.is_none_or(|(s, class)| match class {
                true => e.status / 100 == s,
                false => e.status == s,
            })
            && self.request_id.is_none_or(|r| r == e.request_id)
            && e.seq > self.since
    }
}

#[utoipa::path(get, path = "/switchboard/v1/requests", tag = "Switchboard",
    params(
        ("family" = Option<String>, Query, description = "mrs, dbss, live, nova, bms, keystone, glance or native"),
        ("operation" = Option<String>, Query, description = "Action name, `*` globs allowed (`nova:server:*`)"),
        ("status" = Option<String>, Query, description = "A status (`404`) or a class (`4xx`)"),
        ("request_id" = Option<String>, Query, description = "The request's X-Request-Id"),
        ("since" = Option<u64>, Query, description = "Only entries with a greater seq"),
        ("limit" = Option<i64>, Query, description = "At most this many (1–1000, 100)"),
    ),
    responses((status = 200, description = "Requests, newest first", body = crate::openapi::native::NativeRequests),
        crate::openapi::NativeLog))]
pub async fn list_requests(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, LIST)?;
    let filter = Filter::parse(&query)?;
    if !state.requests.is_on() {
        return Err(NativeError {
            status: StatusCode::CONFLICT,
            code: "request_log_off",
            message: "the request log is off: set `log = N` in the [requests] section of the \
                      configuration, or SWITCHBOARD_REQUEST_LOG=N, and restart"
                .into(),
        });
    }
    let scope = AdminScope::of(state.store.as_ref(), &who).await?;
    let entries: Vec<Arc<Entry>> = state
        .requests
        .newest_first()
        .into_iter()
        .filter(|e| filter.keeps(e))
        .filter(|e| e.projects().any(|p| scope.administers(p)) || scope.is_system())
        .take(filter.limit)
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for e in &entries {
        let tasks = tasks_of(&state, e).await?;
        let mut v = serde_json::to_value(e.as_ref()).unwrap_or_default();
        v["task_id"] = json!(tasks.first());
        v["task_ids"] = json!(tasks);
        out.push(v);
    }
    Ok(Json(
        json!({"requests": out, "capacity": state.requests.capacity()}),
    ))
}

/// The tasks `e` started, looked up by its request id once asked, then remembered (an answer
/// found nothing only after the engine had a while to start them).
async fn tasks_of(state: &AppState, e: &Entry) -> Result<Vec<i64>, NativeError> {
    if let Some(t) = e.tasks.get() {
        return Ok(t.clone());
    }
    if !e.may_start_tasks() {
        return Ok(Vec::new());
    }
    let filter = TaskFilter {
        request_id: Some(e.request_id.clone()),
        limit: 100,
        ..TaskFilter::default()
    };
    let mut ids: Vec<i64> = state
        .store
        .tasks(&filter)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    ids.reverse();
    let settled = switchboard_core::now_millis() - e.at > 10_000;
    if !ids.is_empty() || settled {
        let _ = e.tasks.set(ids.clone());
    }
    Ok(ids)
}
