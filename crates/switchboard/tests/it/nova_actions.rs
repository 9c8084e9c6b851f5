//! Nova siblings through HTTP: instance actions from the task history, console output from
//! the driver, limits, availability zones, interfaces and remote consoles.

use crate::common;

use common::identity::{self, OTHER};
use common::nova::{assert_fault, wait_idle, with_version};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";
const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

fn actions_path(id: &str) -> String {
    format!("/v2.1/{PROJECT}/servers/{id}/os-instance-actions")
}

async fn console(s: &TestServer, id: &str, args: Value) -> common::Reply {
    s.post(
        &format!("/v2.1/{PROJECT}/servers/{id}/action"),
        json!({"os-getConsoleOutput": args}),
    )
    .await
}

#[tokio::test]
async fn actions_name_the_request_id_the_client_got_back() {
    let s = TestServer::start(|c| c.sim.speed = 10.0).await;
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            json!({"reboot": {"type": "HARD"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let reboot_id = r.headers["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    // The gateway id and Nova's id are one request id in two spellings.
    let raw = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(reboot_id.replace('-', ""), format!("req{raw}"));
    wait_idle(&s, DB01, "ACTIVE").await;
    // A BMS v1 batch stop of the same server is an action too.
    let r = s
        .post(
            &format!("/v1/{PROJECT}/baremetalservers/action"),
            json!({"os-stop": {"type": "HARD", "servers": [{"id": DB01}]}}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let raw = r.headers["x-request-id"].to_str().unwrap().to_string();
    wait_idle(&s, DB01, "SHUTOFF").await;

    let r = s.get(&actions_path(DB01)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let actions = r.body["instanceActions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{}", r.body);
    let (stop, reboot) = (&actions[0], &actions[1]);
    assert_eq!(stop["action"], "stop");
    assert_eq!(
        stop["request_id"].as_str().unwrap().replace('-', ""),
        format!("req{raw}")
    );
    assert_eq!(reboot["action"], "reboot");
    assert_eq!(reboot["request_id"], reboot_id.as_str());
    assert_eq!(reboot["instance_uuid"], DB01);
    assert_eq!(reboot["project_id"], PROJECT);
    assert!(reboot["user_id"].is_string(), "{reboot}");
    assert_eq!(reboot["message"], Value::Null);
    assert!(reboot.get("updated_at").is_none(), "2.58 only");
    assert_eq!(reboot.as_object().unwrap().len(), 7, "{reboot}");
    let start = reboot["start_time"].as_str().unwrap();
    assert!(start.len() == 26 && start.as_bytes()[10] == b'T', "{start}");

    let r = s.get(&format!("{}/{reboot_id}", actions_path(DB01))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let action = &r.body["instanceAction"];
    assert_eq!(action["request_id"], reboot_id.as_str());
    // The administrator sees events (with their traceback) at every microversion.
    let event = &action["events"][0];
    assert_eq!(event["event"], "compute_reboot_instance");
    assert_eq!(event["result"], "Success");
    assert!(event["finish_time"].is_string());
    assert!(event.as_object().unwrap().contains_key("traceback"));
    // WEB01 has done nothing yet.
    let r = s.get(&actions_path(WEB01)).await;
    assert_eq!(r.body, json!({"instanceActions": []}));
}

#[tokio::test]
async fn events_are_hidden_from_non_admins_before_2_51() {
    let s = identity::server().await;
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{WEB01}/action"),
            json!({"os-start": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let id = r.headers["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let vera = identity::token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let r = s
        .call(
            Method::GET,
            &format!("{}/{id}", actions_path(WEB01)),
            Some(&vera),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["instanceAction"]["action"], "start");
    assert!(
        r.body["instanceAction"].get("events").is_none(),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn unknown_ids_and_other_projects_read_alike() {
    let s = identity::server().await;
    let alice = identity::token(&s, "alice", "Alice-Password-1", OTHER).await;
    let as_alice = |path: String| {
        let s = &s;
        let alice = alice.clone();
        async move { s.call(Method::GET, &path, Some(&alice), None).await }
    };
    let theirs = as_alice(format!("/v2.1/{OTHER}/servers/{DB01}/os-instance-actions")).await;
    let unknown = as_alice(format!(
        "/v2.1/{OTHER}/servers/{UNKNOWN}/os-instance-actions"
    ))
    .await;
    assert_fault(
        &theirs,
        "itemNotFound",
        404,
        &format!("Instance {DB01} could not be found."),
    );
    assert_eq!(
        theirs.body.to_string().replace(DB01, UNKNOWN),
        unknown.body.to_string()
    );
    for path in ["os-interface", "os-instance-actions/req-x"] {
        let r = as_alice(format!("/v2.1/{OTHER}/servers/{DB01}/{path}")).await;
        assert_fault(
            &r,
            "itemNotFound",
            404,
            &format!("Instance {DB01} could not be found."),
        );
    }
    let r = s
        .call(
            Method::POST,
            &format!("/v2.1/{OTHER}/servers/{DB01}/action"),
            Some(&alice),
            Some(json!({"os-getConsoleOutput": {}})),
        )
        .await;
    assert_fault(
        &r,
        "itemNotFound",
        404,
        &format!("Instance {DB01} could not be found."),
    );

    assert_fault(
        &s.get(&format!("{}/req-nope", actions_path(DB01))).await,
        "itemNotFound",
        404,
        "Action req-nope not found",
    );
    assert_fault(
        &s.get(&actions_path(UNKNOWN)).await,
        "itemNotFound",
        404,
        "could not be found",
    );
    // Another project in the path than the token's.
    assert_fault(
        &s.get(&format!("/v2.1/{OTHER}/servers/{DB01}/os-instance-actions"))
            .await,
        "forbidden",
        403,
        "not the project",
    );
    let r = with_version(&s, Method::GET, &actions_path(DB01), "2.x", None).await;
    assert_fault(&r, "badRequest", 400, "invalid format");
    let r = with_version(
        &s,
        Method::GET,
        &format!("/v2.1/{PROJECT}/limits"),
        "two",
        None,
    )
    .await;
    assert_fault(&r, "badRequest", 400, "invalid format");
    // Before 2.58 the list takes no query, and ignores one.
    let r = s
        .get(&format!("{}?limit=abc&bogus=1", actions_path(DB01)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn console_output_follows_the_servers_transitions() {
    let s = TestServer::start(|c| c.sim.speed = 10.0).await;
    let r = console(&s, DB01, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let booted = r.body["output"].as_str().unwrap().to_string();
    assert!(booted.contains("bms-db-01 login:"), "{booted}");
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            json!({"os-stop": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    wait_idle(&s, DB01, "SHUTOFF").await;
    // A stopped server still has its console output, ending with the shutdown.
    let r = console(&s, DB01, json!({"length": -1})).await;
    let out = r.body["output"].as_str().unwrap();
    assert!(
        out.starts_with(&booted) && out.ends_with("reboot: Power down"),
        "{out}"
    );
    let r = console(&s, DB01, json!({"length": 1})).await;
    assert_eq!(r.body["output"].as_str().unwrap().lines().count(), 1);
    let r = console(&s, DB01, json!({"length": "2"})).await;
    assert_eq!(r.body["output"].as_str().unwrap().lines().count(), 2);
    let r = console(&s, DB01, json!({"length": 0})).await;
    assert_eq!(r.body["output"], "");
    for bad in [
        json!({"length": -2}),
        json!({"length": 1.5}),
        json!({"length": "abc"}),
        json!({"length": true}),
        json!({"lines": 3}),
        json!(7),
    ] {
        let r = console(&s, DB01, bad.clone()).await;
        assert_fault(&r, "badRequest", 400, "Invalid input");
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_fault(
        &console(&s, UNKNOWN, json!({})).await,
        "itemNotFound",
        404,
        "could not be found",
    );
}

#[tokio::test]
async fn a_process_servers_console_is_the_tail_of_its_output() {
    let s = TestServer::start(|c| {
        c.servers[1].driver = "process".into();
        c.servers[1].config = json!({"command": "sh", "args": ["-c", "echo booting; echo 'web ready'; echo oops >&2; exec sleep 30"]});
    })
    .await;
    let _cleanup = common::processes::KillOnDrop(s.dir.path().to_path_buf());
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{WEB01}/action"),
            json!({"os-start": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    wait_idle(&s, WEB01, "ACTIVE").await;
    let mut out = String::new();
    for _ in 0..100 {
        out = console(&s, WEB01, json!({})).await.body["output"]
            .as_str()
            .unwrap()
            .to_string();
        if out.contains("oops") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(out, "booting\nweb ready\n\n--- stderr ---\noops\n");
    let r = console(&s, WEB01, json!({"length": 2})).await;
    assert_eq!(r.body["output"], "oops\n");
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{WEB01}/action"),
            json!({"os-stop": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    wait_idle(&s, WEB01, "SHUTOFF").await;
}

#[tokio::test]
async fn a_failed_action_reads_error_with_the_drivers_words_for_admins() {
    let s = TestServer::start(|c| {
        c.sim.faults = vec![switchboard_drivers::sim::SimFault {
            resource: "bms-web-01".into(),
            action: None,
            fail_next: Some(10),
            message: Some("IPMI power on refused".into()),
            hang: false,
            take: None,
        }]
    })
    .await;
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{WEB01}/action"),
            json!({"os-start": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let id = r.headers["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    wait_idle(&s, WEB01, "ERROR").await;
    let mut action = Value::Null;
    for _ in 0..100 {
        action =
            s.get(&format!("{}/{id}", actions_path(WEB01))).await.body["instanceAction"].clone();
        if action["events"][0]["result"] == "Error" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(action["message"], "Error", "{action}");
    let event = &action["events"][0];
    assert_eq!(
        (event["event"].clone(), event["result"].clone()),
        (json!("compute_start_instance"), json!("Error"))
    );
    assert!(
        event["traceback"]
            .as_str()
            .unwrap()
            .contains("IPMI power on refused"),
        "{event}"
    );
    let listed = s.get(&actions_path(WEB01)).await;
    assert_eq!(listed.body["instanceActions"][0]["message"], "Error");
}
