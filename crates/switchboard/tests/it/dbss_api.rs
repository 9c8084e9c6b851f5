//! DBSS database O&M instances through HTTP.

use crate::common;

use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const TEST: &str = "0f9e8d7c6b5a49382716059483726150";

fn path(id: &str, op: &str) -> String {
    format!("/v1/{PROJECT}/db-om/{id}/{op}")
}

async fn status(s: &TestServer, id: &str) -> (String, String) {
    let r = s.get(&format!("/v1/{PROJECT}/db-om/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let server = &r.body["detail"]["server"][0];
    (
        server["status"].as_str().unwrap().into(),
        server["task_status"].as_str().unwrap().into(),
    )
}

async fn wait_for(s: &TestServer, id: &str, want: (&str, &str)) {
    for _ in 0..300 {
        let (st, task) = status(s, id).await;
        if (st.as_str(), task.as_str()) == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{id} never reached {want:?}");
}

fn assert_dbss_error(body: &Value, code: &str) {
    assert_eq!(body["error_code"], code, "{body}");
    assert!(!body["error_msg"].as_str().unwrap().is_empty());
    assert_eq!(body["details"][0]["error_code"], code);
}

#[tokio::test]
async fn start_shows_powering_on_then_active_and_stop_and_reboot_follow() {
    let s = TestServer::start(|c| c.sim.speed = 4.0).await;
    let r = s
        .raw(Method::POST, &path(PROD, "start"), Some(&s.token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, serde_json::json!({"result": "success"}));
    assert_eq!(
        status(&s, PROD).await,
        ("SHUTOFF".into(), "powering-on".into())
    );
    // Another operation while one is in flight is refused with the operation's code.
    let busy = s
        .raw(Method::POST, &path(PROD, "stop"), Some(&s.token), None)
        .await;
    assert_eq!(busy.status, StatusCode::BAD_REQUEST);
    assert_dbss_error(&busy.body, "DBSS.10020131");
    assert!(busy.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("powering-on"));
    let reboot = s
        .raw(Method::POST, &path(PROD, "reboot"), Some(&s.token), None)
        .await;
    assert_dbss_error(&reboot.body, "DBSS.10020132");
    wait_for(&s, PROD, ("ACTIVE", "NO_TASK")).await;

    let r = s
        .raw(Method::POST, &path(PROD, "reboot"), Some(&s.token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        status(&s, PROD).await,
        ("ACTIVE".into(), "rebooting".into())
    );
    let start = s
        .raw(Method::POST, &path(PROD, "start"), Some(&s.token), None)
        .await;
    assert_dbss_error(&start.body, "DBSS.10020130");
    wait_for(&s, PROD, ("ACTIVE", "NO_TASK")).await;

    let r = s
        .raw(Method::POST, &path(PROD, "stop"), Some(&s.token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        status(&s, PROD).await,
        ("ACTIVE".into(), "powering-off".into())
    );
    wait_for(&s, PROD, ("SHUTOFF", "NO_TASK")).await;
    let actions: Vec<_> = s.sim_log().iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["start", "restart", "stop"]);
}

#[tokio::test]
async fn start_of_an_active_instance_is_a_successful_no_op() {
    let s = TestServer::start(|_| {}).await;
    let r = s
        .raw(Method::POST, &path(TEST, "start"), Some(&s.token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["result"], "success");
    assert_eq!(status(&s, TEST).await, ("ACTIVE".into(), "NO_TASK".into()));
    assert!(s.sim_log().is_empty());
    let reboot_stopped = s
        .raw(Method::POST, &path(PROD, "reboot"), Some(&s.token), None)
        .await;
    assert_eq!(reboot_stopped.status, StatusCode::BAD_REQUEST);
    assert_dbss_error(&reboot_stopped.body, "DBSS.10020132");
}

#[tokio::test]
async fn list_show_and_delete() {
    let s = TestServer::start(|_| {}).await;
    let r = s
        .call(
            Method::POST,
            &format!("/v2/{PROJECT}/db-om/instances"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let clusters = r.body["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    let prod = clusters.iter().find(|c| c["instance_id"] == PROD).unwrap();
    assert_eq!(prod["name"], "dbom-prod");
    assert_eq!(prod["detail"]["total"], 1);
    assert_eq!(prod["detail"]["server"][0]["status"], "SHUTOFF");
    for key in [
        "activate_info",
        "charge_model",
        "created",
        "deploy_mode",
        "enterprise_project_id",
        "float_ip",
        "is_active_standby",
    ] {
        assert!(prod.get(key).is_some(), "{key} missing");
    }
    let one = s.get(&format!("/v1/{PROJECT}/db-om/{TEST}")).await;
    assert_eq!(one.body["instance_id"], TEST);

    let del = s
        .call(
            Method::DELETE,
            &format!("/v1/{PROJECT}/db-om/{TEST}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::OK);
    assert_eq!(del.body["result"], "success");
    let gone = s.get(&format!("/v1/{PROJECT}/db-om/{TEST}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let r = s
        .call(
            Method::POST,
            &format!("/v2/{PROJECT}/db-om/instances"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.body["clusters"].as_array().unwrap().len(), 1);
    let again = s
        .raw(Method::POST, &path(TEST, "start"), Some(&s.token), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_ids_projects_and_operations() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let short = s.raw(Method::POST, &path("abc", "start"), t, None).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_dbss_error(&short.body, "DBSS.10020021");
    let long = s
        .raw(Method::POST, &path(&"a".repeat(65), "stop"), t, None)
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    let unknown = s
        .raw(Method::POST, &path(&"f".repeat(32), "start"), t, None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_dbss_error(&unknown.body, "DBSS.10021004");
    let other_project = s
        .raw(
            Method::POST,
            &format!("/v1/{}/db-om/{PROD}/start", "e".repeat(32)),
            t,
            None,
        )
        .await;
    assert_eq!(other_project.status, StatusCode::FORBIDDEN);
    assert_eq!(other_project.body["error_code"], "APIGW.0302");
    let bad_op = s.raw(Method::POST, &path(PROD, "explode"), t, None).await;
    assert_eq!(bad_op.status, StatusCode::NOT_FOUND);
    let no_token = s.raw(Method::POST, &path(PROD, "start"), None, None).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    assert!(s.sim_log().is_empty());
}
