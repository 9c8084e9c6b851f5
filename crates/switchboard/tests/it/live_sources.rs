//! Live flow sources (ModifyFlowSources) through HTTP: a running flow's source changes at once
//! with its secret masked, and a refused change leaves nothing half-applied.

use crate::common;

use common::live::{assert_live_error, flows};
use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";
const SPORTS: &str = "3c1f5e2a-8b7d-4c6e-9f0a-1b2c3d4e5f60";
const MISSING: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn a_running_flows_source_changes_at_once_and_keeps_its_secret_masked() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let path = flows(&format!("/sources?flow_id={SPORTS}&source_name=sports-in"));
    let body = json!({"source": {"min_latency": 120, "description": "backup encoder",
                      "cidr_whitelist": ["192.0.2.0/24"]}});
    let r = s.call(Method::PUT, &path, t, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["flow_id"], SPORTS);
    let src = &r.body["source"];
    assert_eq!(src["min_latency"], 120);
    assert_eq!(src["protocol"], "srt-caller", "untouched fields are kept");
    assert_eq!(src["decryption"]["passphrase"], "******");
    assert_eq!(src["health_status"], "CONNECTED");
    let detail = s.get(&flows(&format!("/detail?flow_id={SPORTS}"))).await;
    assert_eq!(detail.body["status"], "ACTIVE", "the flow keeps running");
    assert_eq!(detail.body["sources"][0]["description"], "backup encoder");
    assert_eq!(
        detail.body["sources"][0]["decryption"]["passphrase"],
        "******"
    );
    let news = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    let seeded = &news.body["sources"][0];
    for key in [
        "min_latency",
        "cidr_whitelist",
        "description",
        "decryption",
        "health_status",
    ] {
        assert!(
            !seeded[key].is_null(),
            "seeded source lacks {key}: {seeded}"
        );
    }
    assert_eq!(seeded["health_status"], "DISCONNECTED");
}

#[tokio::test]
async fn source_changes_are_validated_and_nothing_is_half_applied() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let put = |q: String, body: Option<Value>| {
        let s = &s;
        async move {
            s.call(Method::PUT, &flows(&format!("/sources?{q}")), t, body)
                .await
        }
    };
    let ok = Some(json!({"source": {"min_latency": 10}}));
    assert_live_error(
        &put("source_name=news-in".to_string(), ok.clone()).await,
        "flow_id",
    );
    assert_live_error(
        &put(format!("flow_id={NEWS}"), ok.clone()).await,
        "source_name",
    );
    assert_live_error(
        &put(format!("flow_id={MISSING}&source_name=news-in"), ok.clone()).await,
        "does not exist",
    );
    assert_live_error(
        &put(format!("flow_id={NEWS}&source_name=nope"), ok.clone()).await,
        "source_name nope",
    );
    let q = format!("flow_id={NEWS}&source_name=news-in");
    for (body, needle) in [
        (json!({"source": {"source_listener_port": 2077}}), "2077"),
        (
            json!({"source": {"source_listener_port": "9000"}}),
            "integer",
        ),
        (json!({"source": {"min_latency": -1}}), "min_latency"),
        (json!({"source": {"protocol": "rtmp"}}), "protocol"),
        (
            json!({"source": {"cidr_whitelist": "10.0.0.0/8"}}),
            "cidr_whitelist",
        ),
        (
            json!({"source": {"decryption": {"algorithm": "aes128", "key_type": "speke", "passphrase": "0123456789"}}}),
            "speke",
        ),
        (json!({"source": "x"}), "source must be an object"),
        (json!([]), "source must be an object"),
    ] {
        assert_live_error(&put(q.clone(), Some(body)).await, needle);
    }
    assert_live_error(&put(q.clone(), None).await, "body");
    let malformed = s
        .raw(
            Method::PUT,
            &flows(&format!("/sources?{q}")),
            t,
            Some(b"{".to_vec()),
        )
        .await;
    assert_eq!(malformed.body["error_code"], "LIVE.100011001");
    let detail = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    assert_eq!(
        detail.body["sources"][0]["min_latency"], 1000,
        "nothing changed"
    );
    assert_eq!(detail.body["sources"][0]["source_listener_port"], 9000);
}
