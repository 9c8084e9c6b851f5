//! Paged lists of Switchboard's own API (issue 13): `/switchboard/v1/resources` walks every
//! page with `marker` while resources come and go, has a default and a largest page, refuses a
//! bad `limit` or `marker` (another project's id included); `tasks` and `audit` page by id.

use crate::common;

use common::identity::OTHER;
use common::live::flows;
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;
use switchboard_core::inventory::MemberSpec;
use switchboard_core::Lifecycle;

fn flow_body(name: &str) -> Value {
    json!({"name": name, "region": "cn-north-4", "sources": [
        {"name": "in", "protocol": "srt-caller", "source_listener_address": "198.51.100.7",
         "source_listener_port": 9100, "min_latency": 500, "cidr_whitelist": ["198.51.100.0/24"]}
    ]})
}

async fn create_flow(s: &TestServer, name: &str) -> String {
    let r = s
        .call(
            Method::POST,
            &flows(""),
            Some(&s.token),
            Some(flow_body(name)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["flow"]["flow_id"].as_str().unwrap().to_string()
}

async fn delete_flow(s: &TestServer, id: &str) {
    let path = flows(&format!("?flow_id={id}"));
    let r = s.call(Method::DELETE, &path, Some(&s.token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn ids(page: &Value, key: &str, id: &str) -> Vec<String> {
    page[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r[id]
                .as_str()
                .map_or_else(|| r[id].to_string(), str::to_string)
        })
        .collect()
}

/// Walking the resources three at a time while a flow is created and another (not yet seen)
/// deleted between pages: every resource that lived through the walk shows exactly once, the
/// new ones (appended to the inventory order) show too, the deleted one never.
#[tokio::test]
async fn resources_walk_every_page_once_while_flows_come_and_go() {
    let s = TestServer::start(|_| {}).await;
    let mut made = Vec::new();
    for i in 0..4 {
        made.push(create_flow(&s, &format!("flow-page-{i}")).await);
    }
    let before: Vec<String> = ids(
        &s.get("/switchboard/v1/resources?limit=1000").await.body,
        "resources",
        "id",
    );
    let (mut seen, mut marker, mut added) = (Vec::<String>::new(), None::<String>, Vec::new());
    let doomed = made[3].clone();
    for round in 0.. {
        let q = marker
            .as_ref()
            .map_or(String::new(), |m| format!("&marker={m}"));
        let r = s
            .get(&format!("/switchboard/v1/resources?limit=3{q}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body["resources"].as_array().unwrap().len() <= 3);
        seen.extend(ids(&r.body, "resources", "id"));
        if round == 1 {
            delete_flow(&s, &doomed).await;
        }
        if round < 3 {
            added.push(create_flow(&s, &format!("flow-late-{round}")).await);
        }
        match r.body["next_marker"].as_str() {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a resource listed twice: {seen:?}"
    );
    for id in before.iter().filter(|id| **id != doomed) {
        assert!(unique.contains(id), "{id} missing from {seen:?}");
    }
    for id in &added {
        assert!(unique.contains(id), "new {id} missing from {seen:?}");
    }
    assert!(!unique.contains(&doomed), "deleted {doomed} listed");
}

fn servers(n: usize, project: &str, prefix: &str) -> Vec<MemberSpec> {
    (0..n)
        .map(|i| MemberSpec {
            id: format!("{prefix}-0000-4000-8000-{i:012}"),
            project: project.into(),
            name: format!("srv-{prefix}-{i}"),
            state: Lifecycle::Running,
            driver: "sim".into(),
            config: Value::Null,
            attrs: Value::Null,
        })
        .collect()
}

/// At 5,000 resources the default answer is one page of 100 with a marker; 1000 is the most;
/// a bad `limit`, an unknown `marker` and another project's resource as `marker` are 400s in
/// the native envelope (the other project's id is not told apart from an unknown one).
#[tokio::test]
async fn resources_default_and_largest_page_and_bad_input_at_5000() {
    let s = common::identity::server_with(|c| {
        c.servers.extend(servers(5000, "local-1", "a0000000"));
        c.servers.extend(servers(3, "other-1", "b0000000"));
    })
    .await;
    let r = s.get("/switchboard/v1/resources").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["resources"].as_array().unwrap().len(), 100);
    assert_eq!(r.body["limit"], 100);
    let last = r.body["resources"][99]["id"].clone();
    assert_eq!(r.body["next_marker"], last);
    let big = s.get("/switchboard/v1/resources?limit=1000").await;
    assert_eq!(big.body["resources"].as_array().unwrap().len(), 1000);
    assert!(
        big.body.to_string().len() < 400_000,
        "one page, not the inventory"
    );
    for bad in ["limit=0", "limit=1001", "limit=ten", "marker=nope"] {
        let r = s.get(&format!("/switchboard/v1/resources?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "bad_request", "{bad}");
    }
    let foreign = "b0000000-0000-4000-8000-000000000001";
    let r = s
        .get(&format!("/switchboard/v1/resources?marker={foreign}"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(!r.body.to_string().contains("other-1"));
    // The other project's administrator sees its three, and none of ours.
    let alice = common::identity::token(&s, "alice", "Alice-Password-1", OTHER).await;
    let theirs = s
        .call(Method::GET, "/switchboard/v1/resources", Some(&alice), None)
        .await;
    let listed = ids(&theirs.body, "resources", "id");
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.iter().all(|id| id.starts_with("b0000000")));
    assert!(theirs.body["next_marker"].is_null());
    // Kinds filter from the index too.
    let r = s
        .get("/switchboard/v1/resources?kind=flow&limit=1000")
        .await;
    assert_eq!(r.body["resources"].as_array().unwrap().len(), 2);
    let r = s.get("/switchboard/v1/resources?kind=planet").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// Tasks page newest first by id: walking with `marker` while new tasks are accepted between
/// pages lists each older task once (an `offset` walk would show one twice); `offset` still
/// works; a bad marker is a 400.
#[tokio::test]
async fn tasks_page_by_marker_while_new_tasks_arrive() {
    let s = TestServer::start(|c| c.sim.speed = 1000.0).await;
    let services = ["ZooKeeper", "DBService", "LdapServer", "Kafka", "HDFS"];
    let mut started = Vec::new();
    for svc in services {
        let id = s.operate(svc, "start", true).await;
        s.wait_command(id).await;
        started.push(id);
    }
    let (mut seen, mut marker) = (Vec::<i64>::new(), None::<i64>);
    let mut late = services[..2].iter();
    loop {
        let q = marker.map_or(String::new(), |m| format!("&marker={m}"));
        let r = s.get(&format!("/switchboard/v1/tasks?limit=2{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        seen.extend(
            r.body["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        if let Some(svc) = late.next() {
            let id = s.operate(svc, "stop", true).await;
            s.wait_command(id).await;
        }
        match r.body["next_marker"].as_i64() {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    for id in &started {
        assert!(seen.contains(id), "{id} missing from {seen:?}");
    }
    let by_offset = s.get("/switchboard/v1/tasks?limit=2&offset=2").await;
    assert_eq!(by_offset.body["tasks"].as_array().unwrap().len(), 2);
    for bad in ["marker=x", "limit=0", "limit=1001"] {
        let r = s.get(&format!("/switchboard/v1/tasks?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
}

/// The audit trail pages by record id with `marker`, newest first, without repeats.
#[tokio::test]
async fn audit_pages_by_marker() {
    let s = TestServer::start(|_| {}).await;
    for i in 0..5 {
        create_flow(&s, &format!("flow-audit-{i}")).await;
    }
    let (mut seen, mut marker) = (Vec::<i64>::new(), None::<i64>);
    loop {
        let q = marker.map_or(String::new(), |m| format!("&marker={m}"));
        let r = s.get(&format!("/switchboard/v1/audit?limit=2{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        seen.extend(
            r.body["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap()),
        );
        match r.body["next_marker"].as_i64() {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    assert!(seen.len() >= 5, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    let r = s.get("/switchboard/v1/audit?marker=oops").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let _ = PROJECT;
}
