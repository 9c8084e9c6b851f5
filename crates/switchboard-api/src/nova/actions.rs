//! `GET /v2.1/{project_id}/servers/{server_id}/os-instance-actions[/{request_id}]`: the tasks
//! that touched a server, newest first, with paging and time filters from 2.58.

use super::action_records::{find_action, records};
use super::actions_view::{self, EventAccess};
use super::query::Params;
use super::servers::find;
use super::{reply, Microversion, NovaError};
use crate::auth::Authenticated;

use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What Python's `urlencode` escapes in a query (all but letters, digits and `-_.~`).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
use serde_json::{json, Value};
use switchboard_identity::Principal;
use switchboard_store::ResourceTaskPage;

/// Nova's `[api] max_limit`.
const MAX_LIMIT: usize = 1000;

type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

fn params(query: RawQuery) -> Result<Params, NovaError> {
    query
        .map(|Query(q)| Params(q))
        .map_err(|e| NovaError::bad_request(e.body_text()))
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}/os-instance-actions",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaInstanceActions),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_actions(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path((project_id, server_id)): Path<(String, String)>,
    query: RawQuery,
) -> Response {
    let result = list(
        &state,
        &who,
        &version,
        &headers,
        &project_id,
        &server_id,
        query,
    )
    .await;
    reply(result, &version)
}

async fn list(
    state: &AppState,
    who: &Principal,
    version: &Microversion,
    headers: &HeaderMap,
    project_id: &str,
    server_id: &str,
    query: RawQuery,
) -> Result<Response, NovaError> {
    let q = params(query)?;
    // Before 2.58 the query is ignored, as Nova's schema allows anything.
    let paged = version.at_least(58);
    let (limit, marker, since, before) = if paged {
        let mut allowed = vec!["limit", "marker", "changes-since"];
        if version.at_least(66) {
            allowed.push("changes-before");
        }
        q.only(&allowed)?;
        let since = q.time("changes-since")?;
        let before = q.time("changes-before")?;
        if let (Some(s), Some(b)) = (since, before) {
            if b < s {
                return Err(NovaError::bad_request(
                    "The value of changes-since must be less than or equal to changes-before.",
                ));
            }
        }
        let limit = q.limit()?.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
        (
            limit,
            q.single("marker")?.map(str::to_string),
            since,
            before,
        )
    } else {
        // Nova lists every action before 2.58; here the newest `max_limit`, so that no
        // request's cost grows with the server's history.
        (MAX_LIMIT, None, None, None)
    };
    NovaError::permit(who, "nova:instanceAction:list")?;
    find(state, who, project_id, server_id)?;
    let window = ResourceTaskPage {
        changed_since: since,
        changed_before: before,
        ..Default::default()
    };
    let older_than = match marker.as_deref() {
        Some(m) => {
            let found = find_action(state, server_id, m, &window)
                .await?
                .ok_or_else(|| NovaError::bad_request(format!("Marker {m} could not be found.")))?;
            Some(found.task.id)
        }
        None => None,
    };
    let page = ResourceTaskPage {
        older_than,
        limit: limit as i64,
        ..window
    };
    let all = records(state, server_id, &page).await?;
    let actions: Vec<Value> = all
        .iter()
        .map(|a| actions_view::action(a, server_id, version))
        .collect();
    let mut body = json!({ "instanceActions": actions });
    if paged && limit > 0 && all.len() == limit {
        if let Some(last) = all.last() {
            let href = next_link(
                &crate::prefix::base(state, headers),
                project_id,
                server_id,
                &q,
                &last.request_id(),
            );
            body["links"] = json!([{"rel": "next", "href": href}]);
        }
    }
    Ok(Json(body).into_response())
}

/// The next page: the same query with `marker` set to the last request id shown.
fn next_link(base: &str, project_id: &str, server_id: &str, q: &Params, marker: &str) -> String {
    let enc = |s: &str| utf8_percent_encode(s, QUERY).to_string();
    let mut pairs: Vec<String> =
        q.0.iter()
            .filter(|(k, _)| k != "marker")
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
    pairs.push(format!("marker={}", enc(marker)));
    format!(
        "{base}/v2.1/{project_id}/servers/{server_id}/os-instance-actions?{}",
        pairs.join("&")
    )
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}/os-instance-actions/{request_id}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
        ("request_id" = String, Path, description = "Request id (`req-<uuid>`)"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaInstanceAction),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_action(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((project_id, server_id, request_id)): Path<(String, String, String)>,
    query: RawQuery,
) -> Response {
    let result = show(
        &state,
        &who,
        &version,
        &project_id,
        &server_id,
        &request_id,
        query,
    )
    .await;
    reply(result, &version)
}

async fn show(
    state: &AppState,
    who: &Principal,
    version: &Microversion,
    project_id: &str,
    server_id: &str,
    request_id: &str,
    query: RawQuery,
) -> Result<Response, NovaError> {
    let q = params(query)?;
    if version.at_least(102) {
        q.only(&[])?;
    }
    NovaError::permit(who, "nova:instanceAction:get")?;
    let server = find(state, who, project_id, server_id)?;
    let action = find_action(state, server_id, request_id, &ResourceTaskPage::default())
        .await?
        .ok_or_else(|| {
            NovaError::new(
                axum::http::StatusCode::NOT_FOUND,
                format!("Action {request_id} not found"),
            )
        })?;
    let host = server
        .spec
        .attrs
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or(super::view::DEFAULT_HOST);
    // Nova's `os-instance-actions:events` policy: administrators by default.
    let access = EventAccess {
        admin: who.may("nova:instanceAction:events"),
    };
    let body = actions_view::action_with_events(&action, server_id, host, version, access);
    Ok(Json(json!({ "instanceAction": body })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_query_and_moves_the_marker() {
        let q = Params(vec![
            ("limit".into(), "2".into()),
            ("marker".into(), "req-old".into()),
            ("changes-since".into(), "2024-01-01T00:00:00+01:00".into()),
        ]);
        assert_eq!(
            next_link("http://h", "p", "s", &q, "req-x"),
            "http://h/v2.1/p/servers/s/os-instance-actions?limit=2&changes-since=2024-01-01T00%3A00%3A00%2B01%3A00&marker=req-x"
        );
    }
}
