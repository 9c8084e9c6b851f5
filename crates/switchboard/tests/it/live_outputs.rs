//! Live flow sources (modify) and outputs (create, show, modify, delete) through HTTP, their
//! validation (every error LIVE.100011001), other projects' flows, and persistence across a
//! restart of the real binary.

use crate::common;

use common::identity::{server, token, OTHER};
use common::live::{assert_live_error, flows};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";
const MISSING: &str = "00000000-0000-0000-0000-000000000000";

fn output(name: &str) -> Value {
    json!({"name": name, "protocol": "srt-caller", "destination": "198.51.100.30", "port": 9200,
           "min_latency": 300, "cidr_whitelist": ["198.51.100.0/24"], "description": "to the archive",
           "encryption": {"algorithm": "aes128", "key_type": "srt-password", "passphrase": "archive-passphrase"}})
}

#[tokio::test]
async fn outputs_are_created_shown_modified_and_deleted() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let at = |q: &str| flows(&format!("/outputs?flow_id={NEWS}{q}"));
    let created = s
        .call(Method::POST, &at(""), t, Some(json!([output("archive")])))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["flow_id"], NEWS);
    let o = &created.body["outputs"][0];
    assert_eq!(o["name"], "archive");
    assert_eq!(o["type"], "srt-caller");
    assert_eq!(o["encryption"]["passphrase"], "******");
    assert_eq!(o["output_status"], "ENABLED");
    let shown = s.get(&at("&output_name=archive")).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.body["port"], 9200);
    assert_eq!(shown.body["health_status"], "DISCONNECTED");
    let detail = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    assert_eq!(
        detail.body["outputs"],
        json!([{"name": "news-out", "type": "srt-caller"}, {"name": "archive", "type": "srt-caller"}])
    );
    let dup = s
        .call(Method::POST, &at(""), t, Some(json!([output("archive")])))
        .await;
    assert_live_error(&dup, "already has an output named archive");
    let modified = s
        .call(
            Method::PUT,
            &at("&output_name=archive"),
            t,
            Some(json!({"port": 9300, "output_status": "DISABLED"})),
        )
        .await;
    assert_eq!(modified.status, StatusCode::OK, "{}", modified.body);
    assert_eq!(modified.body["port"], 9300);
    assert_eq!(modified.body["min_latency"], 300, "kept");
    for (body, needle) in [
        (json!({"name": "other"}), "name cannot be modified"),
        (
            json!({"protocol": "srt-listener"}),
            "protocol cannot be modified",
        ),
        (json!({"min_latency": 9}), "min_latency"),
        (json!({"port": 70000}), "port"),
        (json!({"output_status": "ON"}), "output_status"),
    ] {
        let r = s
            .call(Method::PUT, &at("&output_name=archive"), t, Some(body))
            .await;
        assert_live_error(&r, needle);
    }
    let deleted = s
        .call(Method::DELETE, &at("&output_name=archive"), t, None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(
        deleted.body,
        json!({"flow_id": NEWS, "output_name": "archive"})
    );
    assert_live_error(
        &s.get(&at("&output_name=archive")).await,
        "output_name archive",
    );
    assert_live_error(
        &s.call(Method::DELETE, &at("&output_name=archive"), t, None)
            .await,
        "does not exist",
    );
}

#[tokio::test]
async fn output_bodies_are_validated_whole() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let at = flows(&format!("/outputs?flow_id={NEWS}"));
    let with = |f: &dyn Fn(&mut Value)| {
        let mut o = output("good");
        f(&mut o);
        json!([output("first"), o])
    };
    for (body, needle) in [
        (json!([]), "non-empty array"),
        (json!({"name": "x"}), "non-empty array"),
        (with(&|o| o["name"] = json!("1bad")), "[1].name"),
        (with(&|o| o["name"] = json!(7)), "name must be a string"),
        (with(&|o| o["protocol"] = json!("rtmp")), "protocol"),
        (with(&|o| o["port"] = json!("9200")), "port"),
        (with(&|o| o["min_latency"] = json!(20000)), "min_latency"),
        (
            with(&|o| o["cidr_whitelist"] = json!(vec!["10.0.0.0/8"; 21])),
            "cidr_whitelist",
        ),
        (
            with(&|o| o["destination"] = json!("d".repeat(65))),
            "destination",
        ),
        (
            with(&|o| {
                o.as_object_mut().unwrap().remove("destination");
            }),
            "destination is required",
        ),
        (
            with(&|o| o["encryption"]["key_type"] = json!("static-key")),
            "encryption.key_type",
        ),
        (
            with(&|o| {
                o["protocol"] = json!("srt-listener");
                o["stream_id"] = json!("s");
            }),
            "stream_id",
        ),
        (json!([output("twin"), output("twin")]), "twin"),
    ] {
        let r = s.call(Method::POST, &at, t, Some(body)).await;
        assert_live_error(&r, needle);
    }
    let detail = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    assert_eq!(
        detail.body["outputs"].as_array().unwrap().len(),
        1,
        "none was added"
    );
    let missing = s
        .call(
            Method::POST,
            &flows(&format!("/outputs?flow_id={MISSING}")),
            t,
            Some(json!([output("a")])),
        )
        .await;
    assert_live_error(&missing, "does not exist");
    assert_live_error(
        &s.get(&flows(&format!("/outputs?flow_id={NEWS}"))).await,
        "output_name",
    );
}

#[tokio::test]
async fn concurrent_output_creations_all_land() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let at = flows(&format!("/outputs?flow_id={NEWS}"));
    let calls = (0..16).map(|i| {
        let (s, at) = (&s, at.clone());
        async move {
            s.call(
                Method::POST,
                &at,
                t,
                Some(json!([output(&format!("o{i}"))])),
            )
            .await
        }
    });
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let detail = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    assert_eq!(
        detail.body["outputs"].as_array().unwrap().len(),
        17,
        "none was lost"
    );
}

#[tokio::test]
async fn another_projects_flows_read_like_unknown_ones() {
    let s = server().await;
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let call = |m: Method, path: String, body: Option<Value>| {
        let (s, alice) = (&s, alice.clone());
        async move { s.call(m, &path, Some(&alice), body).await }
    };
    let mut bodies = Vec::new();
    for id in [NEWS, MISSING] {
        let r = call(
            Method::PUT,
            format!("/v1/{OTHER}/flows/sources?flow_id={id}&source_name=news-in"),
            Some(json!({"source": {"min_latency": 5}})),
        )
        .await;
        assert_live_error(&r, "does not exist");
        bodies.push(r.body.to_string().replace(id, "ID"));
        let r = call(
            Method::POST,
            format!("/v1/{OTHER}/flows/outputs?flow_id={id}"),
            Some(json!([output("x")])),
        )
        .await;
        assert_live_error(&r, "does not exist");
        bodies.push(r.body.to_string().replace(id, "ID"));
        let r = call(
            Method::GET,
            format!("/v1/{OTHER}/flows/outputs?flow_id={id}&output_name=news-out"),
            None,
        )
        .await;
        bodies.push(r.body.to_string().replace(id, "ID"));
    }
    assert_eq!(
        bodies[..3],
        bodies[3..],
        "another project's flow reads like a missing one"
    );
    let r = call(
        Method::GET,
        flows(&format!("/outputs?flow_id={NEWS}&output_name=news-out")),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error_code"], "APIGW.0302");
    let viewer = token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let r = s
        .call(
            Method::POST,
            &flows(&format!("/outputs?flow_id={NEWS}")),
            Some(&viewer),
            Some(json!([output("x")])),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a viewer cannot create outputs"
    );
    let r = s.get(&flows(&format!("/detail?flow_id={NEWS}"))).await;
    assert_eq!(r.body["outputs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_flow_starting_or_stopping_refuses_changes() {
    let s = TestServer::start(|c| {
        c.sim.speed = 1.0;
        c.api.live_wait = std::time::Duration::from_millis(50);
    })
    .await;
    let t = Some(s.token.as_str());
    let started = s
        .raw(
            Method::PUT,
            &flows(&format!("/start?flow_id={NEWS}")),
            t,
            None,
        )
        .await;
    assert_eq!(started.body["status"], "STANDBY", "still starting");
    let r = s
        .call(
            Method::PUT,
            &flows(&format!("/sources?flow_id={NEWS}&source_name=news-in")),
            t,
            Some(json!({"source": {"min_latency": 10}})),
        )
        .await;
    assert_live_error(&r, "busy");
    let r = s
        .call(
            Method::POST,
            &flows(&format!("/outputs?flow_id={NEWS}")),
            t,
            Some(json!([output("late")])),
        )
        .await;
    assert_live_error(&r, "busy");
}
