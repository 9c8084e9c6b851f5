//! Fault rules are state: rules and firings survive a restart of the real binary, and a
//! `times: 1` driver rule fires once even when the server is killed right after it fired.

use crate::common;

use common::binary::{free_port, get, token, Server, PROJECT};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn send(
    base: &str,
    tok: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("X-Auth-Token", tok);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn start(base: &str, tok: &str) -> u16 {
    let path = format!("/v1/{PROJECT}/db-om/{PROD}/start");
    send(base, tok, reqwest::Method::POST, &path, None).await.0
}

async fn status(base: &str, tok: &str) -> String {
    let r = get(base, tok, &format!("/v1/{PROJECT}/db-om/{PROD}")).await;
    r["detail"]["server"][0]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn rules_and_firings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(dir.path(), port).await;
    let tok = token(&server.base).await;
    let rules = json!([
        {"id": "twice", "action": "dbss:instance:start", "times": 2, "error": {"statusCode": 500}},
        {"id": "reads", "action": "dbss:quota:get", "probability": 0.0, "error": {}},
    ]);
    let (code, _) = send(
        &server.base,
        &tok,
        reqwest::Method::POST,
        "/switchboard/v1/faults",
        Some(rules),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(start(&server.base, &tok).await, 500);
    let base = server.base.clone();
    eventually("the firing's write", async || {
        get(&base, &tok, "/switchboard/v1/faults/fired").await["fired"]
            .as_array()
            .is_some_and(|f| f.len() == 1)
    })
    .await;
    server.kill9();

    let server = Server::start(dir.path(), port).await;
    let tok = token(&server.base).await;
    let rules = get(&server.base, &tok, "/switchboard/v1/faults").await;
    assert_eq!(rules.as_array().unwrap().len(), 2, "{rules}");
    assert_eq!(rules[0]["id"], "twice");
    let fired = get(&server.base, &tok, "/switchboard/v1/faults/fired").await;
    assert_eq!(fired["fired"][0]["rule_id"], "twice", "{fired}");
    // The rule remembers it fired once: one more failure, then it is gone.
    assert_eq!(start(&server.base, &tok).await, 500);
    assert_eq!(start(&server.base, &tok).await, 200);
    let rules = get(&server.base, &tok, "/switchboard/v1/faults").await;
    assert_eq!(rules[0]["id"], "reads", "{rules}");
}

#[tokio::test]
async fn a_times_1_driver_rule_fires_once_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(dir.path(), port).await;
    let tok = token(&server.base).await;
    let rule = json!([{"id": "once", "resource": PROD, "operation": "start", "times": 1,
        "driver": {"fail": "injected"}}]);
    let (code, _) = send(
        &server.base,
        &tok,
        reqwest::Method::POST,
        "/switchboard/v1/faults",
        Some(rule),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(start(&server.base, &tok).await, 200);
    // Killed as soon as the simulated world has recorded the failed start, if not before.
    let sim = dir.path().join("sim");
    eventually("the faulted start", async || {
        switchboard_drivers::sim::read_log(&sim)
            .unwrap()
            .iter()
            .any(|e| e.rule.is_some())
    })
    .await;
    server.kill9();

    let server = Server::start(dir.path(), port).await;
    let tok = token(&server.base).await;
    let base = server.base.clone();
    eventually("the failed start settles", async || {
        let s = status(&base, &tok).await;
        s == "SHUTOFF" || s == "ERROR"
    })
    .await;
    let rules = get(&server.base, &tok, "/switchboard/v1/faults").await;
    assert_eq!(rules, json!([]), "the used-up rule retired at start");
    eventually("a start accepted", async || start(&base, &tok).await == 200).await;
    eventually("the second start succeeds", async || {
        status(&base, &tok).await == "ACTIVE"
    })
    .await;
    let log = switchboard_drivers::sim::read_log(&sim).unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.rule.as_deref() == Some("once"))
            .count(),
        1
    );
}
