//! Transition settings are state: a reset of a project removes that project's settings (and
//! leaves the server-wide ones), and a snapshot holds and restores them.

use crate::common;

use common::identity::{server, token, OTHER};
use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const TRANSITIONS: &str = "/switchboard/v1/transitions";
const SNAPSHOT: &str = "/switchboard/v1/state/snapshot";

async fn ids(s: &TestServer) -> Vec<String> {
    let r = s.get(TRANSITIONS).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all = r.body["transitions"].as_array().unwrap().clone();
    all.iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_project_reset_removes_its_settings_only() {
    let s = server().await;
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let mine = json!({"id": "hers", "kind": "server", "progression": "immediate"});
    let r = s
        .call(Method::POST, TRANSITIONS, Some(&alice), Some(mine))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let everywhere = json!({"id": "all", "family": "dbss", "progression": "immediate"});
    assert_eq!(s.post(TRANSITIONS, everywhere).await.status, StatusCode::OK);
    let local = json!({"id": "db", "resource": "bms-db-01", "progression": "immediate"});
    assert_eq!(s.post(TRANSITIONS, local).await.status, StatusCode::OK);

    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/state/reset",
            Some(&alice),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["reset"]["transitions_removed"], 1, "{}", r.body);
    assert_eq!(ids(&s).await, vec!["all", "db"]);

    // A reset without transitions keeps them; a whole-server reset removes every one.
    let keep = json!({"transitions": false});
    let r = s.post("/switchboard/v1/state/reset", keep).await;
    assert_eq!(r.body["reset"]["transitions_removed"], 0, "{}", r.body);
    assert_eq!(ids(&s).await.len(), 2);
    let r = s.post("/switchboard/v1/state/reset", json!({})).await;
    assert_eq!(r.body["reset"]["transitions_removed"], 2, "{}", r.body);
    assert!(ids(&s).await.is_empty());
}

#[tokio::test]
async fn a_snapshot_holds_the_settings_and_a_restore_brings_them_back() {
    let s = TestServer::start(|_| {}).await;
    let setting =
        json!({"id": "slow", "resource": "bms-db-01", "progression": "manual", "times": 2});
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    let taken = s
        .raw(Method::GET, SNAPSHOT, Some(&s.token), None)
        .await
        .body;
    let rows: &Value = &taken["tables"]["transitions"];
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");

    let r = s
        .call(Method::DELETE, TRANSITIONS, Some(&s.token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(ids(&s).await.is_empty());
    let r = s
        .call(Method::PUT, SNAPSHOT, Some(&s.token), Some(taken))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(ids(&s).await, vec!["slow"], "the book is reloaded");
}
