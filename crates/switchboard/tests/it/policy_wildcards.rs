//! A policy full of `*` costs no more per request than none (matching was exponential in the
//! stars), and policy documents are bounded.

use crate::common;

use common::identity::{server, token};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

/// CPU time of this process (server and client alike).
fn cpu() -> Duration {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage");
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
    Duration::from_micros(micros(usage.user_time()) + micros(usage.system_time()))
}

async fn put_policy(s: &TestServer, name: &str, actions: Vec<String>) -> common::Reply {
    let document = json!({"Version": "1.1", "Statement": [{"Effect": "Deny", "Action": actions}]});
    s.call(
        Method::PUT,
        &format!("/switchboard/v1/policies/{name}"),
        Some(&s.token),
        Some(json!({ "document": document })),
    )
    .await
}

/// CPU per request for `requests` list calls with `token`, and the slowest answer.
async fn per_request(s: &TestServer, token: &str, requests: u32) -> (Duration, Duration) {
    let (before, mut slowest) = (cpu(), Duration::ZERO);
    for _ in 0..requests {
        let started = Instant::now();
        let r = s
            .call(
                Method::GET,
                &format!("/v1/{PROJECT}/flows"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        slowest = slowest.max(started.elapsed());
    }
    ((cpu() - before) / requests, slowest)
}

#[tokio::test]
async fn a_policy_with_many_stars_answers_as_fast_as_none() {
    let s = server().await;
    // Stars in a pattern that never matches: the old matcher tried every split of the action.
    let stars: usize = std::env::var("SWITCHBOARD_TEST_STARS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let pattern = format!("*:*:{}#", "*".repeat(stars.saturating_sub(2)));
    let r = put_policy(
        &s,
        "stars",
        vec![pattern, format!("*:*:{}#", "*l".repeat(28))],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (name, policies) in [("starry", json!(["stars"])), ("plain", json!([]))] {
        let r = s
            .post(
                "/switchboard/v1/users",
                json!({"name": name, "password": "Long-Enough-Pass-1",
                       "roles": {"local-1": "operator"}, "policies": policies}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let starry = token(&s, "starry", "Long-Enough-Pass-1", PROJECT).await;
    let plain = token(&s, "plain", "Long-Enough-Pass-1", PROJECT).await;
    let requests = 200;
    let (without, _) = per_request(&s, &plain, requests).await;
    let (with, slowest) = per_request(&s, &starry, requests).await;
    println!(
        "GET /v1/{{project}}/flows, {requests} requests each: CPU per request {without:?} without a policy, \
         {with:?} with a Deny policy of {stars} stars (slowest answer {slowest:?})"
    );
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
}

#[tokio::test]
async fn oversized_policy_documents_are_refused_clearly() {
    let s = server().await;
    let many: Vec<String> = (0..513).map(|i| format!("live:ott:a{i}")).collect();
    let r = put_policy(&s, "many", many).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.to_string().contains("at most 512 Actions"),
        "{}",
        r.body
    );
    let long = format!("live:ott:{}", "*a".repeat(100));
    let r = put_policy(&s, "long", vec![long]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.to_string().contains("at most 128 bytes"),
        "{}",
        r.body
    );
    let listed = s.get("/switchboard/v1/policies").await;
    assert!(
        !listed.body.to_string().contains("\"many\""),
        "{}",
        listed.body
    );
}
