//! What fault rules do: an API error in each family's own envelope before anything is
//! accepted, first match wins, `times` retires a rule, and driver faults on steps.

use crate::common;

use common::live::flows;
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const FAULTS: &str = "/switchboard/v1/faults";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";

async fn set(s: &TestServer, rules: Value) {
    let r = s
        .call(Method::POST, FAULTS, Some(&s.token), Some(rules))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn dbss(s: &TestServer, op: &str) -> common::Reply {
    let path = format!("/v1/{PROJECT}/db-om/{PROD}/{op}");
    s.raw(Method::POST, &path, Some(&s.token), None).await
}

async fn tasks(s: &TestServer) -> Vec<Value> {
    let r = s.get("/switchboard/v1/tasks").await;
    r.body["tasks"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_first_matching_rule_answers_in_dbss_dialect_and_retires_after_times() {
    let s = TestServer::start(|_| {}).await;
    set(
        &s,
        json!([
            {"id": "once", "action": "dbss:instance:start", "times": 1,
             "error": {"statusCode": 500, "code": "DBSS.00000001", "message": "injected"}},
            {"id": "then", "service": "dbss", "operation": "start", "times": 1,
             "error": {"statusCode": 503, "code": "DBSS.00000002"}},
        ]),
    )
    .await;
    let r = dbss(&s, "start").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let envelope = json!({"error_code": "DBSS.00000001", "error_msg": "injected",
        "details": [{"error_code": "DBSS.00000001", "error_msg": "injected"}]});
    assert_eq!(r.body, envelope);
    let request_id = r.headers["x-request-id"].to_str().unwrap().to_string();
    let r = dbss(&s, "start").await;
    assert_eq!(
        (r.status.as_u16(), &r.body["error_code"]),
        (503, &json!("DBSS.00000002"))
    );
    assert!(tasks(&s).await.is_empty(), "nothing was accepted");
    let left = s.get(FAULTS).await;
    assert_eq!(left.body, json!([]), "both retired");
    assert_eq!(dbss(&s, "start").await.status, StatusCode::OK);
    let fired = s.get(&format!("{FAULTS}/fired")).await.body;
    let fired = fired["fired"].as_array().unwrap();
    assert_eq!(fired.len(), 2);
    assert_eq!(fired[0]["rule_id"], "then", "newest first");
    assert_eq!(fired[1]["rule_id"], "once");
    assert_eq!(fired[1]["request_id"], request_id.as_str());
    assert_eq!(fired[1]["resource"], PROD);
    assert_eq!(fired[1]["family"], "dbss");
    let audit = s.get("/switchboard/v1/audit?outcome=faulted").await;
    assert_eq!(
        audit.body["records"].as_array().unwrap().len(),
        2,
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn each_family_answers_a_fault_in_its_own_envelope() {
    let s = TestServer::start(|_| {}).await;
    let error = |code: &str| json!({"statusCode": 500, "code": code, "message": "injected"});
    set(
        &s,
        json!([
            {"family": "nova", "action": "nova:server:reboot", "error": error("ignored")},
            {"family": "bms", "error": error("BMS.9999")},
            {"family": "live", "error": error("LIVE.9999")},
            {"family": "mrs", "error": error("12000")},
            {"family": "native", "error": error("injected_native")},
            {"family": "iam", "error": {"statusCode": 503, "message": "injected"}},
        ]),
    )
    .await;
    let nova = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            json!({"reboot": {"type": "HARD"}}),
        )
        .await;
    assert_eq!(nova.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        nova.body,
        json!({"computeFault": {"code": 500, "message": "injected"}})
    );
    let bms = s
        .post(
            &format!("/v1/{PROJECT}/baremetalservers/action"),
            json!({"os-start": {"servers": [{"id": DB01}]}}),
        )
        .await;
    assert_eq!(
        bms.body,
        json!({"error": {"code": "BMS.9999", "message": "injected"}})
    );
    let live = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={NEWS}")),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(
        live.body,
        json!({"error_code": "LIVE.9999", "error_msg": "injected"})
    );
    let mrs = s
        .post(
            "/web/v1/maintain/cluster/1/service/Spark/start",
            json!({"only_self": true}),
        )
        .await;
    assert_eq!(mrs.body["error_code"], 12000);
    assert_eq!(mrs.body["error_description"], "injected");
    assert_eq!(mrs.body["state"], "FAILED");
    let native = s.get("/switchboard/v1/tasks").await;
    assert_eq!(native.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(native.body["error"]["code"], "injected_native");
    let keystone = s
        .call(
            Method::POST,
            "/v3/auth/tokens",
            None,
            Some(common::token_body("admin", common::PASSWORD, json!({}))),
        )
        .await;
    assert_eq!(keystone.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(keystone.body["error"]["code"], 503);
    assert_eq!(keystone.body["error"]["message"], "injected");
    // The fault API itself is never faulted: the rules can always be removed.
    let r = s.call(Method::DELETE, FAULTS, Some(&s.token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(s.sim_log().is_empty(), "no fault let anything run");
}

async fn task_of(s: &TestServer) -> Value {
    for _ in 0..200 {
        if let Some(t) = tasks(s).await.first() {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no task")
}

async fn wait_state(s: &TestServer, id: i64, want: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..500 {
        last = s.get(&format!("/switchboard/v1/tasks/{id}")).await.body;
        if last["state"] == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} never became {want}: {last}")
}

#[tokio::test]
async fn a_driver_hang_holds_the_step_until_the_task_is_cancelled() {
    let s = TestServer::start(|_| {}).await;
    set(&s, json!([{"id": "hang", "resource": "dbom-prod", "operation": "start", "driver": {"hang": true}}])).await;
    assert_eq!(dbss(&s, "start").await.status, StatusCode::OK);
    let id = task_of(&s).await["id"].as_i64().unwrap();
    // Far longer than a start takes at this speed: still running.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let t = s.get(&format!("/switchboard/v1/tasks/{id}")).await.body;
    assert_eq!(t["state"], "IN_PROGRESS", "{t}");
    let r = s
        .call(
            Method::POST,
            &format!("/switchboard/v1/tasks/{id}/cancel"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    wait_state(&s, id, "CANCELLED").await;
    let fired = s.get(&format!("{FAULTS}/fired")).await.body;
    assert_eq!(fired["fired"][0]["effect"], "hang", "{fired}");
    assert_eq!(fired["fired"][0]["resource"], PROD);
    assert!(fired["fired"][0]["step"].is_string());
}

#[tokio::test]
async fn a_driver_failure_fails_each_attempt_it_hits_and_times_spares_the_retry() {
    let s = TestServer::start(|_| {}).await;
    set(
        &s,
        json!([{"action": "dbss:instance:start", "driver": {"fail": "disk on fire"}}]),
    )
    .await;
    assert_eq!(dbss(&s, "start").await.status, StatusCode::OK);
    let id = task_of(&s).await["id"].as_i64().unwrap();
    let t = wait_state(&s, id, "FAILED").await;
    assert!(t["error"].to_string().contains("disk on fire"), "{t}");
    let hit = |s: &TestServer| s.sim_log().iter().filter(|e| e.rule.is_some()).count();
    assert_eq!(hit(&s), 3, "the attempt and both retries");
    // Once only: the retry of the failed attempt succeeds.
    set(
        &s,
        json!([{"action": "dbss:instance:start", "times": 1, "driver": {"fail": "once"}}]),
    )
    .await;
    assert_eq!(dbss(&s, "start").await.status, StatusCode::OK);
    let id = id + 1;
    let t = wait_state(&s, id, "COMPLETE").await;
    assert_eq!(t["steps"][0]["attempts"], 2, "{t}");
    assert_eq!(hit(&s), 4);
    assert_eq!(s.get(FAULTS).await.body, json!([]), "retired");
}

#[tokio::test]
async fn a_bms_batch_is_matched_by_the_servers_its_body_names() {
    let s = TestServer::start(|_| {}).await;
    set(
        &s,
        json!([{"resource": "bms-web-01", "error": {"statusCode": 409, "code": "BMS.9998"}}]),
    )
    .await;
    let batch = |id: &'static str| {
        let s = &s;
        async move {
            s.post(
                &format!("/v1/{PROJECT}/baremetalservers/action"),
                json!({"os-stop": {"servers": [{"id": id}]}}),
            )
            .await
        }
    };
    // bms-db-01 alone is not named by the rule; a batch naming bms-web-01 (by id) is.
    let r = batch(DB01).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = batch("c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "BMS.9998", "{}", r.body);
}
