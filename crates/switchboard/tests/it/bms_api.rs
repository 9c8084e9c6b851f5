//! BMS v1 batch actions and jobs through HTTP.

use crate::common;

use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use switchboard_drivers::SimFault;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

fn fault(resource: &str, take: Option<Duration>, fail: Option<&str>) -> SimFault {
    SimFault {
        resource: resource.into(),
        action: None,
        fail_next: fail.map(|_| 10),
        message: fail.map(str::to_string),
        hang: false,
        take,
    }
}

async fn batch(s: &TestServer, body: Value) -> common::Reply {
    s.call(
        Method::POST,
        &format!("/v1/{PROJECT}/baremetalservers/action"),
        Some(&s.token),
        Some(body),
    )
    .await
}

async fn job(s: &TestServer, id: &str) -> Value {
    let r = s.get(&format!("/v1/{PROJECT}/jobs/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn wait_job(s: &TestServer, id: &str) -> Value {
    for _ in 0..500 {
        let j = job(s, id).await;
        if j["status"] == "SUCCESS" || j["status"] == "FAIL" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} did not finish");
}

fn sub_status(job: &Value, server: &str) -> String {
    let subs = job["entities"]["sub_jobs"].as_array().unwrap();
    let sub = subs
        .iter()
        .find(|j| j["entities"]["server_id"] == server)
        .unwrap();
    sub["status"].as_str().unwrap().to_string()
}

fn assert_bms_error(r: &common::Reply, code: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{}", r.body);
    assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn batch_reboot_runs_in_parallel_and_shows_partial_sub_jobs() {
    // bms-web-01 takes much longer, so the job is seen RUNNING with one sub-job done.
    let s = TestServer::start(|c| {
        c.sim.faults = vec![fault("bms-web-01", Some(Duration::from_secs(20)), None)]
    })
    .await;
    let r = batch(
        &s,
        json!({"reboot": {"type": "HARD", "servers": [{"id": DB01}, {"id": WEB01}]}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.body["job_id"].as_str().unwrap().to_string();
    let mut partial = None;
    for _ in 0..200 {
        let j = job(&s, &id).await;
        if sub_status(&j, DB01) == "SUCCESS" {
            partial = Some(j);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let partial = partial.expect("bms-db-01 finished first");
    assert_eq!(partial["status"], "RUNNING");
    assert_eq!(sub_status(&partial, WEB01), "RUNNING");
    assert_eq!(partial["job_type"], "baremetalBatchOperate");
    assert_eq!(partial["entities"]["sub_jobs_total"], 2);
    assert_eq!(
        partial["entities"]["sub_jobs"][0]["job_type"],
        "baremetalSingleOperate"
    );
    assert!(partial["end_time"].is_null());
    let done = wait_job(&s, &id).await;
    assert_eq!(done["status"], "SUCCESS");
    assert!(done["end_time"].as_str().unwrap().ends_with('Z'));
    let log = s.sim_log();
    assert_eq!(log.len(), 2);
    assert!(
        (log[0].at_ms - log[1].at_ms).abs() < 200,
        "both reboots began together: {log:?}"
    );
}

#[tokio::test]
async fn a_failed_sub_job_fails_the_job_with_its_reason() {
    let s = TestServer::start(|c| {
        c.engine.step_retries = 0;
        c.sim.faults = vec![fault("bms-db-01", None, Some("IPMI power cycle refused"))];
    })
    .await;
    let r = batch(&s, json!({"os-start": {"servers": [{"id": WEB01}]}})).await;
    let ok = wait_job(&s, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(ok["status"], "SUCCESS");
    let r = batch(
        &s,
        json!({"reboot": {"servers": [{"id": DB01}, {"id": WEB01}]}}),
    )
    .await;
    let done = wait_job(&s, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "FAIL");
    assert_eq!(sub_status(&done, WEB01), "SUCCESS");
    assert_eq!(sub_status(&done, DB01), "FAIL");
    let failed = done["entities"]["sub_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["status"] == "FAIL")
        .unwrap()
        .clone();
    assert!(
        failed["fail_reason"]
            .as_str()
            .unwrap()
            .contains("IPMI power cycle refused"),
        "{failed}"
    );
    assert!(done["fail_reason"].as_str().unwrap().contains("IPMI"));
}

#[tokio::test]
async fn power_state_conflicts_are_refused_with_their_codes() {
    let s = TestServer::start(|c| c.sim.speed = 1.0).await;
    assert_bms_error(
        &batch(&s, json!({"os-start": {"servers": [{"id": DB01}]}})).await,
        "BMS.0038",
    );
    assert_bms_error(
        &batch(&s, json!({"os-stop": {"servers": [{"id": WEB01}]}})).await,
        "BMS.0039",
    );
    assert_bms_error(
        &batch(
            &s,
            json!({"os-start": {"servers": [{"id": "00000000-0000-0000-0000-000000000000"}]}}),
        )
        .await,
        "BMS.0040",
    );
    assert_eq!(
        batch(&s, json!({"os-start": {"servers": [{"id": WEB01}]}}))
            .await
            .status,
        StatusCode::OK
    );
    assert_bms_error(
        &batch(
            &s,
            json!({"reboot": {"type": "HARD", "servers": [{"id": WEB01}]}}),
        )
        .await,
        "BMS.0035",
    );
    assert_eq!(
        batch(
            &s,
            json!({"os-stop": {"type": "HARD", "servers": [{"id": DB01}]}})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_bms_error(
        &batch(
            &s,
            json!({"reboot": {"type": "HARD", "servers": [{"id": DB01}]}}),
        )
        .await,
        "BMS.0036",
    );
    // A conflict on one server refuses the whole request: nothing else is started.
    assert_bms_error(
        &batch(
            &s,
            json!({"os-stop": {"servers": [{"id": WEB01}, {"id": DB01}]}}),
        )
        .await,
        "BMS.0035",
    );
    assert_eq!(s.sim_log().len(), 2);
}

#[tokio::test]
async fn reboot_in_flight_is_refused_with_bms_0037() {
    let s = TestServer::start(|c| c.sim.speed = 1.0).await;
    assert_eq!(
        batch(
            &s,
            json!({"reboot": {"type": "SOFT", "servers": [{"id": DB01}]}})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_bms_error(
        &batch(&s, json!({"os-stop": {"servers": [{"id": DB01}]}})).await,
        "BMS.0037",
    );
}

#[tokio::test]
async fn malformed_batches_and_unknown_jobs() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let url = format!("/v1/{PROJECT}/baremetalservers/action");
    assert_bms_error(
        &s.raw(Method::POST, &url, t, Some(b"{no".to_vec())).await,
        "BMS.0001",
    );
    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": format!("s{i}")})).collect();
    for body in [
        json!({}),
        json!({"os-start": {"servers": []}}),
        json!({"os-start": {"servers": too_many}}),
        json!({"os-start": {"servers": [{"id": DB01}, {"id": DB01}]}}),
        json!({"os-start": {"servers": [{"uuid": DB01}]}}),
        json!({"os-start": {"servers": [{"id": 5}]}}),
        json!({"reboot": {"type": "GENTLE", "servers": [{"id": DB01}]}}),
        json!({"os-start": {"servers": [{"id": DB01}]}, "os-stop": {"servers": [{"id": WEB01}]}}),
        json!({"os-start": "now"}),
    ] {
        assert_bms_error(
            &s.call(Method::POST, &url, t, Some(body.clone())).await,
            "BMS.0018",
        );
    }
    let other = s
        .call(
            Method::POST,
            &format!("/v1/{}/baremetalservers/action", "e".repeat(32)),
            t,
            Some(json!({"os-start": {"servers": [{"id": WEB01}]}})),
        )
        .await;
    assert_bms_error(&other, "Common.0018");
    for id in ["424242", "not-a-number"] {
        let r = s.get(&format!("/v1/{PROJECT}/jobs/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}");
        assert!(r.body["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("BMS."));
    }
    // An MRS command is not a BMS job.
    let cmd = s.operate("ZooKeeper", "start", true).await;
    assert_eq!(
        s.get(&format!("/v1/{PROJECT}/jobs/{cmd}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(s.sim_log().iter().all(|e| e.resource == "mrs.1.ZooKeeper"));
}
