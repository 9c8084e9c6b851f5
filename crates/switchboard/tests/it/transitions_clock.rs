//! The simulated clock: `time` progressions complete when it is advanced, without sleeping;
//! step timeouts are measured on it; it and the settings survive a restart of the real binary.

use crate::common;

use common::binary::{free_port, get, post, token, Server};
use common::{TestServer, PROJECT};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_core::TaskState;

const TRANSITIONS: &str = "/switchboard/v1/transitions";
const ADVANCE: &str = "/switchboard/v1/clock/advance";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// Engine state and task of dbom-prod, from the list (not a read of it).
async fn prod(s: &TestServer) -> (String, Option<i64>) {
    let r = s.get("/switchboard/v1/resources").await;
    let all = r.body["resources"].as_array().unwrap();
    let one = all.iter().find(|x| x["name"] == "dbom-prod").unwrap();
    (
        one["state"].as_str().unwrap().into(),
        one["active_task"].as_i64(),
    )
}

async fn start_prod(s: &TestServer) -> i64 {
    let r = s
        .post(&format!("/v1/{PROJECT}/db-om/{PROD}/start"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    prod(s).await.1.expect("a task holds dbom-prod")
}

/// Until the simulated world has begun the start (its step then waits on the clock).
async fn performed(s: &TestServer) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !s.sim_log().iter().any(|e| e.resource == PROD) {
        assert!(Instant::now() < deadline, "the start was never performed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn a_time_progression_completes_when_the_clock_is_advanced_and_not_before() {
    let s = TestServer::start(|_| {}).await;
    let setting = json!({"resource": "dbom-prod", "progression": "time", "seconds": 3600});
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    start_prod(&s).await;
    performed(&s).await;
    let r = s.post(ADVANCE, json!({"seconds": 1800})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["clock"]["offset_ms"], 1_800_000);
    assert_eq!(prod(&s).await.0, "starting");
    // The advance is answered once what it completed shows: no sleep before looking.
    s.post(ADVANCE, json!({"seconds": 1800})).await;
    assert_eq!(prod(&s).await.0, "running");
    let clock = s.get("/switchboard/v1/clock").await.body;
    assert_eq!(clock["clock"]["offset_ms"], 3_600_000, "{clock}");
    assert!(
        clock["clock"]["now"].as_str().unwrap().ends_with('Z'),
        "{clock}"
    );
}

#[tokio::test]
async fn a_step_times_out_when_the_clock_passes_its_timeout() {
    let s = TestServer::start(|c| {
        c.engine.step_timeout = Duration::from_secs(120);
        c.engine.step_retries = 0;
    })
    .await;
    let setting = json!({"resource": "dbom-prod", "progression": "manual", "times": 1000});
    assert_eq!(s.post(TRANSITIONS, setting).await.status, StatusCode::OK);
    let task = start_prod(&s).await;
    performed(&s).await;
    s.post(ADVANCE, json!({"seconds": 121})).await;
    let ended = s
        .state
        .engine
        .wait(task, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(ended, Some(TaskState::Failed));
    let view = s.state.engine.task(task).await.unwrap().unwrap();
    let error = view.steps[0].record.error.clone().unwrap_or_default();
    assert!(error.contains("timed out"), "{error}");
}

#[tokio::test]
async fn settings_and_the_clock_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(dir.path(), port).await;
    let tok = token(&server.base).await;
    let setting = json!({"id": "kept", "family": "dbss", "progression": "manual", "times": 2});
    post(&server.base, &tok, TRANSITIONS, setting).await;
    post(&server.base, &tok, ADVANCE, json!({"seconds": 90})).await;
    server.kill9();

    let server = Server::start(dir.path(), port).await;
    let tok = token(&server.base).await;
    let listed = get(&server.base, &tok, TRANSITIONS).await;
    assert_eq!(listed["transitions"][0]["id"], "kept", "{listed}");
    assert_eq!(listed["transitions"][0]["times"], 2, "{listed}");
    let clock = get(&server.base, &tok, "/switchboard/v1/clock").await;
    assert!(
        clock["clock"]["offset_ms"].as_i64().unwrap() >= 90_000,
        "{clock}"
    );
}
