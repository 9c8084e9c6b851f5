//! Lists paged in issue 13's second round: Keystone's lists answer at most `list_limit` items
//! with `"truncated": true` and (an extension) take `limit`/`marker`, their `links.next` walking
//! every item once; Nova's availability zones come from the engine's zone index; the native
//! lists' `offset` is capped (deeper pages go by `marker`).

use crate::common;

use common::identity::OTHER;
use common::nova::{get_as, other_admin};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn get(s: &TestServer, path: &str, token: &str) -> (StatusCode, Value) {
    let r = s.call(Method::GET, path, Some(token), None).await;
    (r.status, r.body)
}

/// The ids of a Keystone list (`key`), or the assignment links of role assignments.
fn keys(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|i| {
            i["id"]
                .as_str()
                .or_else(|| i["links"]["assignment"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Follows `links.next` from `first` with pages of `limit`; every page but the last says
/// `truncated`.
async fn walk(s: &TestServer, path: &str, key: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut url = format!("{path}?limit={limit}");
    loop {
        let (status, body) = get(s, &url, &s.token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = keys(&body, key);
        assert!(page.len() <= limit, "{body}");
        seen.extend(page);
        match body["links"]["next"].as_str() {
            Some(next) => {
                assert_eq!(body["truncated"], true, "{body}");
                let at = next.find("/v3/").unwrap();
                url = next[at..].to_string();
            }
            None => {
                assert!(body.get("truncated").is_none(), "{body}");
                return seen;
            }
        }
    }
}

fn bad_request(body: &Value, needle: &str) {
    assert_eq!(body["error"]["code"], 400, "{body}");
    assert_eq!(body["error"]["title"], "Bad Request", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

/// Users, projects and role assignments walked one and two at a time give every item of the
/// whole list exactly once, in its order; the whole list fits the default limit untruncated.
#[tokio::test]
async fn keystone_lists_page_with_limit_and_marker_and_say_truncated() {
    let s = common::identity::server().await;
    for (path, key) in [
        ("/v3/users", "users"),
        ("/v3/projects", "projects"),
        ("/v3/domains", "domains"),
        ("/v3/role_assignments", "role_assignments"),
        ("/v3/auth/projects", "projects"),
        ("/v3/roles", "roles"),
    ] {
        let (status, whole) = get(&s, path, &s.token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {whole}");
        assert!(whole.get("truncated").is_none(), "{path}: {whole}");
        assert_eq!(whole["links"]["next"], Value::Null, "{path}");
        let all = keys(&whole, key);
        assert!(!all.is_empty(), "{path}");
        for limit in [1, 2] {
            assert_eq!(walk(&s, path, key, limit).await, all, "{path} by {limit}");
        }
        if all.len() > 1 {
            let (_, first) = get(&s, &format!("{path}?limit=1"), &s.token).await;
            assert_eq!(first["truncated"], true, "{path}: {first}");
        }
    }
    // Filters hold across pages: the next link keeps them.
    let (_, viewers) = get(&s, "/v3/users?name=vera&limit=1", &s.token).await;
    assert_eq!(keys(&viewers, "users").len(), 1, "{viewers}");
    assert_eq!(viewers["links"]["next"], Value::Null, "{viewers}");
    // The largest page is Keystone's list_limit.
    let (status, body) = get(&s, "/v3/users?limit=1000", &s.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A bad limit or a marker not in the caller's list is Keystone's 400; another project's id
/// as a marker gives nothing of that project.
#[tokio::test]
async fn keystone_bad_limit_or_marker_is_a_400() {
    let s = common::identity::server().await;
    for q in ["limit=0", "limit=1001", "limit=-1", "limit=ten"] {
        let (status, body) = get(&s, &format!("/v3/users?{q}"), &s.token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        bad_request(&body, "Invalid limit");
    }
    let (status, body) = get(&s, "/v3/projects?marker=no-such-project", &s.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    bad_request(&body, "Invalid marker");
    // vera sees only local-1: the other project's id is not a place in her list.
    let vera = common::identity::token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let (status, body) = get(&s, &format!("/v3/auth/projects?marker={OTHER}"), &vera).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(!body.to_string().contains("other-1"), "{body}");
    bad_request(&body, "Invalid marker");
}

fn zones(body: &Value) -> Vec<(String, Vec<String>)> {
    body["availabilityZoneInfo"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|z| {
            let hosts = z["hosts"]
                .as_object()
                .map(|h| h.keys().cloned().collect())
                .unwrap_or_default();
            (z["zoneName"].as_str().unwrap().to_string(), hosts)
        })
        .collect()
}

/// The zones are the region's (every project's servers), read from the engine's zone index;
/// the detail shows hosts only of the servers of projects the caller administers.
#[tokio::test]
async fn availability_zones_come_from_the_zone_index() {
    let s = common::nova::server().await;
    let path = format!("/v2.1/{PROJECT}/os-availability-zone");
    let r = get_as(&s, &s.token, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names: Vec<String> = zones(&r.body).into_iter().map(|z| z.0).collect();
    assert_eq!(names, ["cn-north-4a", "cn-north-4b", "nova"], "{}", r.body);
    assert!(r.body["availabilityZoneInfo"][0]["hosts"].is_null());

    let detail = get_as(&s, &s.token, &format!("{path}/detail"), None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let host = "bms-host-01".to_string();
    let all = zones(&detail.body);
    assert_eq!(
        all,
        [
            ("cn-north-4a".to_string(), vec![host.clone()]),
            ("cn-north-4b".to_string(), vec![host.clone()]),
            ("nova".to_string(), vec![host.clone()]),
            ("internal".to_string(), vec!["switchboard".to_string()]),
        ],
        "{}",
        detail.body
    );
    // The other project's administrator sees every zone, and hosts only in its own.
    let alice = other_admin(&s).await;
    let theirs = get_as(
        &s,
        &alice,
        &format!("/v2.1/{OTHER}/os-availability-zone/detail"),
        None,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    let z = zones(&theirs.body);
    assert_eq!(z[0], ("cn-north-4a".to_string(), vec![]), "{}", theirs.body);
    assert_eq!(z[1], ("cn-north-4b".to_string(), vec![]), "{}", theirs.body);
    assert_eq!(z[2], ("nova".to_string(), vec![host]), "{}", theirs.body);
}

/// `offset` costs what it skips, so it stops at 10,000 with the API's own 400; `marker`
/// pages on from there.
#[tokio::test]
async fn native_offset_is_capped_and_marker_is_the_way_on() {
    let s = TestServer::start(|_| {}).await;
    for list in ["tasks", "audit", "resources"] {
        let ok = s.get(&format!("/switchboard/v1/{list}?offset=10000")).await;
        assert_eq!(ok.status, StatusCode::OK, "{list}: {}", ok.body);
        let r = s.get(&format!("/switchboard/v1/{list}?offset=10001")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{list}: {}", r.body);
        let text = r.body.to_string();
        assert!(text.contains("offset must be at most 10000"), "{text}");
        assert!(text.contains("marker"), "{text}");
    }
}
