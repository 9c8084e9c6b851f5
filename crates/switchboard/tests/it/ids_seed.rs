//! Under `[ids] seed`, two fresh servers running the same steps give the same ids: created
//! flows, request ids, fault rules. Without it, ids are random. Task ids are sequential anyway.

use crate::common;

use common::live::flows;
use common::state::flow;
use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// (flow id, the create's request id, a generated fault rule id).
async fn run(seed: Option<u64>) -> (String, String, String) {
    let s = TestServer::start(|c| c.ids.seed = seed).await;
    let r = s
        .call(
            Method::POST,
            &flows(""),
            Some(&s.token),
            Some(flow("flow-z")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["flow"]["flow_id"].as_str().unwrap().to_string();
    let request = r.headers["x-request-id"].to_str().unwrap().to_string();
    let rules = json!([{"action": "nova:server:reboot", "error": {"statusCode": 500}}]);
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/faults",
            Some(&s.token),
            Some(rules),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rule = r.body[0]["id"].as_str().unwrap().to_string();
    (id, request, rule)
}

#[tokio::test]
async fn two_fresh_servers_with_the_same_seed_create_the_same_ids() {
    let (a, b) = (run(Some(42)).await, run(Some(42)).await);
    assert_eq!(a, b);
    assert_eq!(a.0.len(), 36, "UUID-shaped: {}", a.0);
    assert_eq!(a.1.len(), 32, "like the gateway's: {}", a.1);
    let other = run(Some(7)).await;
    assert_ne!(a.0, other.0);
    let (x, y) = (run(None).await, run(None).await);
    assert_ne!(x.0, y.0, "random without a seed");
    assert_ne!(x.1, y.1);
}
