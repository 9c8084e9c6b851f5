//! Live flows through HTTP.

use crate::common;

use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";
const SPORTS: &str = "3c1f5e2a-8b7d-4c6e-9f0a-1b2c3d4e5f60";

fn flows(rest: &str) -> String {
    format!("/v1/{PROJECT}/flows{rest}")
}

fn assert_live_error(r: &common::Reply, needle: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error_code"], "LIVE.100011001");
    assert!(
        r.body["error_msg"].as_str().unwrap().contains(needle),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn start_and_stop_answer_once_the_flow_has_changed() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let r = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={NEWS}")),
            t,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({"flow_id": NEWS, "status": "ACTIVE"}));
    let detail = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    assert_eq!(detail.body["status"], "ACTIVE");
    assert_eq!(detail.body["sources"][0]["protocol"], "srt-listener");
    let again = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={NEWS}")),
            t,
            None,
        )
        .await;
    assert_eq!(again.body["status"], "ACTIVE");
    let r = s
        .raw(
            Method::PUT,
            &flows(&format!("/stop?flow_id={SPORTS}")),
            t,
            None,
        )
        .await;
    assert_eq!(r.body, json!({"flow_id": SPORTS, "status": "STANDBY"}));
    assert_eq!(s.sim_log().len(), 2, "the repeated start did nothing");
}

#[tokio::test]
async fn past_the_wait_the_answer_carries_the_current_status_and_the_task_goes_on() {
    let s = TestServer::start(|c| {
        c.sim.speed = 1.0;
        c.api.live_wait = Duration::from_millis(100);
    })
    .await;
    let r = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={NEWS}")),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.body, json!({"flow_id": NEWS, "status": "STANDBY"}));
    let busy = s
        .raw(
            Method::PUT,
            &flows(&format!("/stop?flow_id={NEWS}")),
            Some(&s.token),
            None,
        )
        .await;
    assert_live_error(&busy, "starting");
    for _ in 0..200 {
        if s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await.body["status"] == "ACTIVE" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the flow never became ACTIVE");
}

#[tokio::test]
async fn a_failing_start_gets_the_live_error() {
    let s = TestServer::start(|c| {
        c.sim.faults = vec![switchboard_drivers::SimFault {
            resource: "flow-news".into(),
            action: None,
            fail_next: Some(10),
            message: Some("SRT handshake refused".into()),
            hang: false,
            take: None,
        }]
    })
    .await;
    let r = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={NEWS}")),
            Some(&s.token),
            None,
        )
        .await;
    assert_live_error(&r, "SRT handshake refused");
    assert_eq!(
        s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await.body["status"],
        "STANDBY"
    );
}

#[tokio::test]
async fn list_pages_and_bad_parameters() {
    let s = TestServer::start(|_| {}).await;
    let all = s.get(&flows("")).await;
    assert_eq!(all.body["total"], 2);
    let names: Vec<&str> = all.body["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["flow-news", "flow-sports"]);
    assert_eq!(all.body["flows"][1]["status"], "ACTIVE");
    assert_eq!(all.body["flows"][0]["protocol"], "srt-listener");
    let page = s.get(&flows("?limit=1&offset=1")).await;
    assert_eq!(page.body["total"], 2);
    assert_eq!(page.body["flows"][0]["flow_id"], SPORTS);
    for bad in ["?limit=0", "?limit=101", "?limit=x", "?offset=-1"] {
        assert_live_error(&s.get(&flows(bad)).await, "");
    }
    let t = Some(s.token.as_str());
    assert_live_error(
        &s.raw(Method::PUT, &flows("/start"), t, None).await,
        "flow_id is required",
    );
    assert_live_error(
        &s.raw(Method::PUT, &flows("/stop?flow_id="), t, None).await,
        "flow_id is required",
    );
    assert_live_error(
        &s.raw(Method::PUT, &flows("/start?flow_id=nope"), t, None)
            .await,
        "does not exist",
    );
    assert_live_error(
        &s.get(&flows(
            "/detail?flow_id=00000000-0000-0000-0000-000000000000",
        ))
        .await,
        "does not exist",
    );
    let other = s
        .raw(
            Method::PUT,
            &format!("/v1/{}/flows/start?flow_id={NEWS}", "e".repeat(32)),
            t,
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

fn valid_flow(name: &str) -> Value {
    json!({"name": name, "region": "cn-north-4", "sources": [
        {"name": "in", "protocol": "srt-caller", "source_listener_address": "198.51.100.7",
         "source_listener_port": 9100, "min_latency": 500, "cidr_whitelist": ["198.51.100.0/24"],
         "decryption": {"algorithm": "aes256", "key_type": "srt-password", "passphrase": "correct horse battery"}}
    ]})
}

#[tokio::test]
async fn create_validates_then_the_flow_runs_and_deletes() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let created = s
        .call(
            Method::POST,
            &flows(""),
            t,
            Some(valid_flow("flow-weather")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let flow = &created.body["flow"];
    assert_eq!(flow["status"], "STANDBY");
    assert_eq!(flow["name"], "flow-weather");
    let id = flow["flow_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(s.get(&flows("")).await.body["total"], 3);
    let started = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={id}")),
            t,
            None,
        )
        .await;
    assert_eq!(started.body["status"], "ACTIVE");
    assert_live_error(
        &s.call(Method::DELETE, &flows(&format!("?flow_id={id}")), t, None)
            .await,
        "stop it",
    );
    s.raw(Method::PUT, &flows(&format!("/stop?flow_id={id}")), t, None)
        .await;
    let deleted = s
        .call(Method::DELETE, &flows(&format!("?flow_id={id}")), t, None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["flow_id"], id.as_str());
    assert_live_error(
        &s.get(&flows(&format!("/detail?flow_id={id}"))).await,
        "does not exist",
    );
    assert_eq!(s.get(&flows("")).await.body["total"], 2);
}

#[tokio::test]
async fn create_refuses_what_the_documentation_forbids() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = valid_flow("f");
        f(&mut v);
        v
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&|v| v["sources"][0]["source_listener_port"] = json!(2077)),
            "2077",
        ),
        (
            with(&|v| v["sources"][0]["source_listener_port"] = json!(2088)),
            "2088",
        ),
        (
            with(&|v| v["sources"][0]["source_listener_port"] = json!("9000")),
            "integer",
        ),
        (
            with(&|v| v["sources"][0]["protocol"] = json!("rtmp")),
            "protocol",
        ),
        (
            with(&|v| v["sources"][0]["decryption"]["key_type"] = json!("speke")),
            "not supported",
        ),
        (
            with(&|v| v["sources"][0]["decryption"]["algorithm"] = json!("des")),
            "algorithm",
        ),
        (
            with(&|v| v["sources"][0]["min_latency"] = json!(-1)),
            "min_latency",
        ),
        (with(&|v| v["sources"] = json!([])), "sources"),
        (with(&|v| v["name"] = json!(7)), "name"),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("region");
            }),
            "region",
        ),
        (valid_flow("flow-news"), "already exists"),
    ];
    for (body, needle) in cases {
        assert_live_error(
            &s.call(Method::POST, &flows(""), t, Some(body)).await,
            needle,
        );
    }
    assert_live_error(
        &s.raw(Method::POST, &flows(""), t, Some(b"{oops".to_vec()))
            .await,
        "malformed",
    );
    assert_eq!(
        s.get(&flows("")).await.body["total"],
        2,
        "nothing was created"
    );
}

#[tokio::test]
async fn the_srt_passphrase_is_never_read_back() {
    let s = common::identity::server().await;
    let secret = "correct horse battery";
    let created = s
        .call(
            Method::POST,
            &flows(""),
            Some(&s.token),
            Some(valid_flow("flow-secret")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let decryption = &created.body["flow"]["sources"][0]["decryption"];
    assert_eq!(decryption["passphrase"], "******", "{}", created.body);
    assert_eq!(decryption["algorithm"], "aes256", "the rest is shown");
    let id = created.body["flow"]["flow_id"]
        .as_str()
        .unwrap()
        .to_string();
    let viewer = common::identity::token(&s, "vera", "Vera-Password-1", PROJECT).await;
    for t in [s.token.as_str(), viewer.as_str()] {
        let list = s.call(Method::GET, &flows(""), Some(t), None).await;
        let detail = s
            .call(
                Method::GET,
                &flows(&format!("/detail?flow_id={id}")),
                Some(t),
                None,
            )
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
        assert_eq!(
            detail.body["sources"][0]["decryption"]["passphrase"],
            "******"
        );
        for r in [&created, &list, &detail] {
            assert!(!r.body.to_string().contains(secret), "{}", r.body);
        }
    }
}
