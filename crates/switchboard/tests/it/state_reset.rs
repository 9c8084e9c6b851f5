//! `POST /switchboard/v1/state/reset`: the demo back in its initial state after starts, a
//! hung task, faults and a created flow, quickly; a project administrator resets its own
//! project only; viewers may not.

use crate::common;

use common::identity::{server, token, OTHER};
use common::live::flows;
use common::state::{flow, newest_task, states, PROD, RESET};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_core::Lifecycle;

async fn dbss_start(s: &TestServer) {
    let path = format!("/v1/{PROJECT}/db-om/{PROD}/start");
    let r = s.raw(Method::POST, &path, Some(&s.token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_reset_returns_the_demo_to_its_initial_state_and_cancels_a_hung_task() {
    let s = TestServer::start(|_| {}).await;
    let initial = states(&s).await;
    // A created flow, a finished start and a start held by a hang fault.
    let created = s
        .call(
            Method::POST,
            &flows(""),
            Some(&s.token),
            Some(flow("flow-x")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let faults = json!([{"id": "hang", "resource": "dbom-prod", "operation": "start",
        "driver": {"hang": true}, "project": PROJECT}]);
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/faults",
            Some(&s.token),
            Some(faults),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    dbss_start(&s).await;
    let hung = newest_task(&s).await["id"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(states(&s).await, initial);

    let clock = Instant::now();
    let r = s.post(RESET, json!({})).await;
    let took = clock.elapsed();
    println!(
        "reset took {took:?} at the client, {} ms at the server",
        r.body["reset"]["took_ms"]
    );
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reset = &r.body["reset"];
    assert_eq!(reset["project"], json!(null));
    assert_eq!(reset["tasks_cancelled"], 1, "{reset}");
    assert_eq!(reset["faults_removed"], 1, "{reset}");
    assert_eq!(reset["tasks_stopping"], json!([]), "{reset}");
    assert!(took < Duration::from_secs(1), "a generous bound: {took:?}");

    assert_eq!(
        states(&s).await,
        initial,
        "every resource as configured, the flow gone"
    );
    let task = s.get(&format!("/switchboard/v1/tasks/{hung}")).await.body;
    assert_eq!(task["state"], "CANCELLED", "{task}");
    assert_eq!(s.get("/switchboard/v1/faults").await.body, json!([]));
    let audit = s
        .get("/switchboard/v1/audit?action=switchboard:state:reset")
        .await;
    assert_eq!(audit.body["records"].as_array().unwrap().len(), 1);
    // Durably: the simulated world's action log holds the reset, so a restart replays it.
    let log = s.sim_log();
    assert!(log
        .iter()
        .any(|e| e.resource == PROD && e.reset == Some(Lifecycle::Stopped)));
    // The simulated world agrees: a start now runs to the end.
    dbss_start(&s).await;
    let id = newest_task(&s).await["id"].as_i64().unwrap();
    let state = s
        .state
        .engine
        .wait(id, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(state.unwrap().as_str(), "COMPLETE");
}

#[tokio::test]
async fn a_project_admin_resets_its_own_project_only_and_viewers_none() {
    let s = server().await;
    let faults = json!([{"id": "hang", "resource": "dbom-prod", "operation": "start",
        "driver": {"hang": true}}]);
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/faults",
            Some(&s.token),
            Some(faults),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    dbss_start(&s).await;
    let running = newest_task(&s).await["id"].as_i64().unwrap();
    let before = states(&s).await;

    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let reset = |t: String, body: serde_json::Value| {
        let s = &s;
        async move { s.call(Method::POST, RESET, Some(&t), Some(body)).await }
    };
    let r = reset(alice.clone(), json!({"project": "local-1"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "forbidden");
    let r = reset(alice.clone(), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["reset"]["project"], OTHER);
    assert_eq!(r.body["reset"]["tasks_cancelled"], 0);
    assert_eq!(
        r.body["reset"]["faults_removed"], 0,
        "the rule is not other-1's"
    );
    let r = reset(alice, json!({"project": "other-1", "faults": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let vera = token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let r = reset(vera, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = reset(s.token.clone(), json!({"tasks": "yes"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

    let task = s
        .get(&format!("/switchboard/v1/tasks/{running}"))
        .await
        .body;
    assert_eq!(
        task["state"], "IN_PROGRESS",
        "another project's task runs on"
    );
    assert_eq!(states(&s).await, before);
    assert_eq!(
        s.get("/switchboard/v1/faults")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn concurrent_resets_and_starts_leave_a_consistent_state() {
    let s = TestServer::start(|_| {}).await;
    let path = format!("/v1/{PROJECT}/db-om/{PROD}/start");
    let (a, b, c) = tokio::join!(
        s.post(RESET, json!({})),
        s.raw(Method::POST, &path, Some(&s.token), None),
        s.post(RESET, json!({})),
    );
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    // Whichever order they ran in, the start's task ends and no resource stays claimed.
    let id = newest_task(&s).await["id"].as_i64().unwrap();
    let end = s
        .state
        .engine
        .wait(id, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(end.unwrap().is_terminal());
    assert!(s
        .state
        .engine
        .resources()
        .iter()
        .all(|r| r.active_task.is_none()));
    let r = s.post(RESET, json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    let initial = TestServer::start(|_| {}).await;
    assert_eq!(states(&s).await, states(&initial).await);
}
