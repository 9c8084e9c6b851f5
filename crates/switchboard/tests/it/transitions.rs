//! Controllable transitions through `/switchboard/v1/transitions`: set, list, delete; the most
//! specific setting wins; `immediate`; `manual` after exactly N reads; checks of bad input;
//! who may use them.

use crate::common;

use common::identity::{server_with, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TRANSITIONS: &str = "/switchboard/v1/transitions";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const DB_01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB_01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

async fn call(
    s: &TestServer,
    tok: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> common::Reply {
    s.call(method, path, Some(tok), body).await
}

/// The engine state of a resource, read from the list (which is not a read of the resource).
async fn state_of(s: &TestServer, name: &str) -> String {
    let r = s.get("/switchboard/v1/resources").await;
    let all = r.body["resources"].as_array().unwrap();
    let one = all.iter().find(|x| x["name"] == name).unwrap();
    one["state"].as_str().unwrap().to_string()
}

async fn eventually(s: &TestServer, name: &str, state: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while state_of(s, name).await != state {
        assert!(Instant::now() < deadline, "{name} never became {state}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn nova_action(s: &TestServer, server: &str, action: Value) {
    let path = format!("/v2.1/{PROJECT}/servers/{server}/action");
    let r = s.post(&path, action).await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
}

#[tokio::test]
async fn settings_are_set_listed_and_removed_and_the_most_specific_wins() {
    // Real durations, slow: only a setting makes a stop quick.
    let s = TestServer::start(|c| {
        c.sim.speed = 1.0;
        c.sim.stop = Duration::from_secs(30);
    })
    .await;
    let body = json!([
        {"project": "local-1", "progression": "time", "seconds": 3600},
        {"id": "db-now", "resource": "bms-db-01", "progression": "immediate"},
    ]);
    let r = s.post(TRANSITIONS, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let made = r.body["transitions"].as_array().unwrap();
    assert!(made[0]["id"].as_str().unwrap().starts_with("transition-"));
    assert_eq!(made[0]["project_id"], PROJECT);
    assert_eq!(made[1]["resource_id"], DB_01);
    let listed = s.get(TRANSITIONS).await.body;
    assert_eq!(
        listed["transitions"].as_array().unwrap().len(),
        2,
        "{listed}"
    );
    assert!(listed["applies_to"].as_str().unwrap().contains("simulated"));

    // The resource's own setting beats the project's: bms-db-01 stops at once, bms-web-01
    // (stopped in the demo) takes the project's hour to start.
    let started = Instant::now();
    nova_action(&s, DB_01, json!({"os-stop": null})).await;
    nova_action(&s, WEB_01, json!({"os-start": null})).await;
    eventually(&s, "bms-db-01", "stopped", Duration::from_secs(5)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(state_of(&s, "bms-web-01").await, "starting");

    let r = call(
        &s,
        &s.token,
        Method::DELETE,
        &format!("{TRANSITIONS}?id=db-now"),
        None,
    )
    .await;
    assert_eq!(r.body["removed"], 1, "{}", r.body);
    assert_eq!(r.body["transitions"].as_array().unwrap().len(), 1);
    let r = call(&s, &s.token, Method::DELETE, TRANSITIONS, None).await;
    assert_eq!(r.body["removed"], 1, "{}", r.body);
    assert_eq!(s.get(TRANSITIONS).await.body["transitions"], json!([]));
}

#[tokio::test]
async fn a_manual_transition_completes_after_exactly_n_reads() {
    let s = TestServer::start(|_| {}).await;
    let setting = json!({"resource": "dbom-prod", "progression": "manual", "times": 3});
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    let r = s
        .post(&format!("/v1/{PROJECT}/db-om/{PROD}/start"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Far longer than the configured start: only reads move it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(state_of(&s, "dbom-prod").await, "starting");
    let show = format!("/v1/{PROJECT}/db-om/{PROD}");
    for read in 1..=3 {
        let r = s.get(&show).await;
        let status = &r.body["detail"]["server"][0]["status"];
        assert_ne!(status, "ACTIVE", "read {read}: {}", r.body);
        let listed = s.get(TRANSITIONS).await.body;
        assert_eq!(listed["transitions"][0]["reads_seen"], read, "{listed}");
    }
    // The third read completed it before it was answered: the fourth sees it done.
    let r = s.get(&show).await;
    assert_eq!(
        r.body["detail"]["server"][0]["status"], "ACTIVE",
        "{}",
        r.body
    );
    assert_eq!(state_of(&s, "dbom-prod").await, "running");
    let listed = s.get(TRANSITIONS).await.body;
    assert_eq!(listed["transitions"][0]["reads_seen"], 3, "{listed}");
}

#[tokio::test]
async fn each_service_of_an_mrs_operation_counts_its_own_reads() {
    let s = TestServer::start(|_| {}).await;
    let setting = json!({"kind": "cluster_service", "progression": "manual", "times": 2});
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    // Starting HDFS starts ZooKeeper first: each waits for two reads of its own.
    let command = s.operate("HDFS", "start", false).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for name in ["ZooKeeper", "HDFS"] {
        assert_eq!(state_of(&s, name).await, "starting", "{name}");
    }
    for name in ["ZooKeeper", "HDFS"] {
        s.status_of(name).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(state_of(&s, name).await, "starting", "{name}: one read");
        s.status_of(name).await;
        eventually(&s, name, "running", Duration::from_secs(5)).await;
    }
    assert_eq!(s.wait_command(command).await["state"], "COMPLETE");
}

#[tokio::test]
async fn removing_a_manual_setting_lets_the_waiting_transition_finish() {
    let s = TestServer::start(|_| {}).await;
    let setting = json!({"resource": "dbom-prod", "progression": "manual", "times": 100});
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    let r = s
        .post(&format!("/v1/{PROJECT}/db-om/{PROD}/start"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(state_of(&s, "dbom-prod").await, "starting");
    call(&s, &s.token, Method::DELETE, TRANSITIONS, None).await;
    eventually(&s, "dbom-prod", "running", Duration::from_secs(5)).await;
}

#[tokio::test]
async fn bad_settings_answer_400_naming_the_field() {
    let s = TestServer::start(|c| {
        let db = c
            .dbom_instances
            .iter_mut()
            .find(|d| d.name == "dbom-test")
            .unwrap();
        db.driver = "exec".into();
        db.config = json!({"start": "true", "stop": "true", "status": "echo running"});
    })
    .await;
    let cases = [
        (
            json!({"resource": "dbom-prod", "progression": "warp"}),
            "progression",
        ),
        (
            json!({"resource": "dbom-prod", "progression": "manual"}),
            "times",
        ),
        (
            json!({"resource": "dbom-prod", "progression": "manual", "times": 0}),
            "times",
        ),
        (
            json!({"resource": "dbom-prod", "progression": "manual", "times": -2}),
            "times",
        ),
        (
            json!({"resource": "dbom-prod", "progression": "time", "seconds": -1}),
            "seconds",
        ),
        (
            json!({"resource": "dbom-prod", "progression": "time", "seconds": 1e300}),
            "seconds",
        ),
        (
            json!({"family": "ec2", "progression": "immediate"}),
            "family",
        ),
        (json!({"kind": "vm", "progression": "immediate"}), "kind"),
        (
            json!({"resource": "nope", "progression": "immediate"}),
            "resource",
        ),
        (
            json!({"project": "nope", "progression": "immediate"}),
            "project",
        ),
        (
            json!({"resource": "dbom-prod", "kind": "server", "progression": "immediate"}),
            "scope",
        ),
        (
            json!([{"kind": "flow", "progression": "immediate"}, {"progression": "immediate"}]),
            "transitions[1].resource",
        ),
        (
            json!({"resource": "dbom-test", "progression": "immediate"}),
            "simulated resources only",
        ),
    ];
    for (body, field) in cases {
        let r = s.post(TRANSITIONS, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
    }
    // Nothing half-applied.
    assert_eq!(s.get(TRANSITIONS).await.body["transitions"], json!([]));
    for seconds in [json!(0), json!(-5), json!("x"), json!(1e12)] {
        let r = s
            .post("/switchboard/v1/clock/advance", json!({"seconds": seconds}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{seconds}: {}", r.body);
        assert!(r.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("seconds"));
    }
    assert_eq!(
        s.get("/switchboard/v1/clock").await.body["clock"]["offset_ms"],
        0
    );
}

#[tokio::test]
async fn only_administrators_and_a_project_administrator_only_in_its_projects() {
    let s = server_with(|_| {}).await;
    let setting = json!({"kind": "server", "progression": "immediate"});
    for (user, password) in [("vera", "Vera-Password-1"), ("otto", "Otto-Password-1")] {
        let tok = token(&s, user, password, PROJECT).await;
        for (method, path, body) in [
            (Method::GET, TRANSITIONS, None),
            (Method::POST, TRANSITIONS, Some(setting.clone())),
            (Method::DELETE, TRANSITIONS, None),
            (Method::GET, "/switchboard/v1/clock", None),
            (
                Method::POST,
                "/switchboard/v1/clock/advance",
                Some(json!({"seconds": 1})),
            ),
        ] {
            let r = call(&s, &tok, method.clone(), path, body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{user} {method} {path}: {}",
                r.body
            );
            assert_eq!(r.body["error"]["code"], "forbidden");
        }
    }
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    for foreign in [
        json!({"resource": "bms-db-01", "progression": "immediate"}),
        json!({"project": "local-1", "progression": "immediate"}),
    ] {
        let r = call(&s, &alice, Method::POST, TRANSITIONS, Some(foreign.clone())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{foreign}: {}", r.body);
    }
    // Her kind setting is bound to her project; she sees hers only, the system admin both.
    let r = call(&s, &alice, Method::POST, TRANSITIONS, Some(setting.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["transitions"][0]["project_id"], OTHER);
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    let hers = call(&s, &alice, Method::GET, TRANSITIONS, None).await.body;
    assert_eq!(hers["transitions"].as_array().unwrap().len(), 1, "{hers}");
    assert_eq!(
        s.get(TRANSITIONS).await.body["transitions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = call(&s, &alice, Method::DELETE, TRANSITIONS, None).await;
    assert_eq!(r.body["removed"], 1, "{}", r.body);
    let left = s.get(TRANSITIONS).await.body;
    assert_eq!(left["transitions"].as_array().unwrap().len(), 1, "{left}");
    assert!(left["transitions"][0].get("project_id").is_none(), "{left}");
    // The clock is one for every project: she reads it, only a system administrator moves it.
    let clock = "/switchboard/v1/clock";
    assert_eq!(
        call(&s, &alice, Method::GET, clock, None).await.status,
        StatusCode::OK
    );
    let advance = Some(json!({"seconds": 60}));
    let r = call(
        &s,
        &alice,
        Method::POST,
        &format!("{clock}/advance"),
        advance,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Audited.
    let audit = s.get("/switchboard/v1/audit?limit=50").await.body;
    assert!(
        audit.to_string().contains("switchboard:transition:update"),
        "{audit}"
    );
}
