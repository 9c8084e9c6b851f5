//! Paged lists of the families (issue 13), each in its own convention: Live `limit`/`offset`
//! with `total`, DBSS's instance list with `limit`/`marker` (an extension: the contract has
//! none), Nova's `limit`/`marker` with `servers_links`, capped at 1000.

use crate::common;

use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;
use switchboard_core::inventory::MemberSpec;
use switchboard_core::Lifecycle;

fn members(n: usize, prefix: &str, state: Lifecycle) -> Vec<MemberSpec> {
    (0..n)
        .map(|i| MemberSpec {
            id: format!("{prefix}{i:012}"),
            project: "local-1".into(),
            name: format!("m-{prefix}-{i}"),
            state,
            driver: "sim".into(),
            config: Value::Null,
            attrs: Value::Null,
        })
        .collect()
}

fn names(page: &Value, key: &str, id: &str) -> Vec<String> {
    page[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[id].as_str().unwrap().to_string())
        .collect()
}

/// Live: 10 by default, 100 at most, `total` counts every flow; walking by `offset` while
/// flows are created (appended) lists each once; a bad `limit` is Live's 400.
#[tokio::test]
async fn live_flows_page_by_offset_with_total() {
    let s = TestServer::start(|c| {
        c.flows
            .extend(members(150, "7f000000-0000-4000-8000-", Lifecycle::Stopped));
    })
    .await;
    let path = |q: &str| format!("/v1/{PROJECT}/flows{q}");
    let first = s.get(&path("")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["flows"].as_array().unwrap().len(), 10);
    assert_eq!(first.body["total"], 152);
    let most = s.get(&path("?limit=100")).await;
    assert_eq!(most.body["flows"].as_array().unwrap().len(), 100);
    let (mut seen, mut offset) = (Vec::new(), 0);
    loop {
        let r = s.get(&path(&format!("?limit=40&offset={offset}"))).await;
        let page = names(&r.body, "flows", "flow_id");
        if page.is_empty() {
            break;
        }
        offset += page.len();
        seen.extend(page);
        if offset == 40 {
            let body = json!({"name": "flow-late", "region": "cn-north-4", "sources": [
                {"name": "in", "protocol": "srt-caller", "source_listener_address": "198.51.100.7",
                 "source_listener_port": 9100, "min_latency": 500,
                 "cidr_whitelist": ["198.51.100.0/24"]}]});
            let made = s
                .call(Method::POST, &path(""), Some(&s.token), Some(body))
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len());
    assert_eq!(seen.len(), 153);
    for bad in ["?limit=0", "?limit=101", "?offset=-1", "?limit=x"] {
        let r = s.get(&path(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.body["error_code"], "LIVE.100011001", "{bad}");
    }
}

async fn dbss_page(s: &TestServer, q: &str) -> (StatusCode, Value) {
    let path = format!("/v2/{PROJECT}/db-om/instances{q}");
    let r = s.call(Method::POST, &path, Some(&s.token), None).await;
    (r.status, r.body)
}

/// DBSS: without `limit` every instance up to 1000 (what the SDK, which sends none, gets);
/// `limit` and `marker` walk the list while an instance not yet listed is deleted; a bad
/// `limit` or an unknown `marker` is DBSS's 400.
#[tokio::test]
async fn dbss_instances_page_by_marker() {
    let s = TestServer::start(|c| {
        c.dbom_instances
            .extend(members(30, "dd00000000000000000000", Lifecycle::Stopped));
    })
    .await;
    let (status, all) = dbss_page(&s, "").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all = names(&all, "clusters", "instance_id");
    assert_eq!(all.len(), 32);
    let doomed = all[20].clone();
    let (mut seen, mut marker) = (Vec::new(), None::<String>);
    loop {
        let q = marker
            .as_ref()
            .map_or(String::new(), |m| format!("&marker={m}"));
        let (status, body) = dbss_page(&s, &format!("?limit=7{q}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = names(&body, "clusters", "instance_id");
        if seen.is_empty() {
            let path = format!("/v1/{PROJECT}/db-om/{doomed}");
            let del = s.call(Method::DELETE, &path, Some(&s.token), None).await;
            assert_eq!(del.status, StatusCode::OK, "{}", del.body);
        }
        seen.extend(page.iter().cloned());
        if page.len() < 7 {
            break;
        }
        marker = page.last().cloned();
    }
    let expected: Vec<String> = all.into_iter().filter(|id| *id != doomed).collect();
    assert_eq!(seen, expected);
    for bad in ["?limit=0", "?limit=1001", "?limit=x", "?marker=nope"] {
        let (status, body) = dbss_page(&s, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error_code"], "DBSS.10000001", "{bad}");
    }
}

/// Nova at 1,200 servers: no `limit` is one page of 1000 (`[api] max_limit`) with a next link,
/// a larger `limit` is capped to it, and the link leads to the other 202 without repeats.
#[tokio::test]
async fn nova_servers_default_and_largest_page() {
    let s = TestServer::start(|c| {
        c.servers.extend(members(
            1200,
            "5e000000-0000-4000-8000-",
            Lifecycle::Running,
        ));
    })
    .await;
    let path = |q: &str| format!("/v2.1/{PROJECT}/servers{q}");
    let first = s.get(&path("")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let mut seen = names(&first.body, "servers", "id");
    assert_eq!(seen.len(), 1000);
    let capped = s.get(&path("?limit=5000")).await;
    assert_eq!(capped.body["servers"].as_array().unwrap().len(), 1000);
    let next = first.body["servers_links"][0]["href"].as_str().unwrap();
    let rest = next.split_once("/servers").unwrap().1;
    let second = s.get(&path(rest)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    seen.extend(names(&second.body, "servers", "id"));
    assert!(second.body.get("servers_links").is_none());
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 1202);
    assert_eq!(seen.len(), 1202);
    let r = s.get(&path("?limit=-1")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
