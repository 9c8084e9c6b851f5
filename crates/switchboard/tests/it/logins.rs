//! Password checks through HTTP: limits per address and per account, the bounded hashing pool,
//! unknown users costing a real check, and failed logins in the audit trail.

use crate::common;

use common::{token_body, TestServer, PASSWORD, PROJECT};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use switchboard::config::Config;

const ONCALL_PASSWORD: &str = "Oncall-Password-1";

/// A client whose connections come from 127.0.0.`last`.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

async fn login(
    base: &str,
    client: &reqwest::Client,
    user: &str,
    password: &str,
) -> (StatusCode, HeaderMap, Value) {
    let body = token_body(user, password, json!({"project": {"id": PROJECT}}));
    let r = client
        .post(format!("{base}/v3/auth/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

fn with_oncall(c: &mut Config) {
    c.users = toml::from_str::<toml::Table>(&format!(
        "[[users]]\nname = \"oncall\"\npassword = \"{ONCALL_PASSWORD}\"\nroles = {{ \"local-1\" = \"operator\" }}\n"
    ))
    .unwrap()["users"]
        .clone()
        .try_into()
        .unwrap();
}

fn assert_429(headers: &HeaderMap, body: &Value) {
    assert_eq!(body["error"]["code"], 429, "{body}");
    let secs: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(secs >= 1, "Retry-After {secs}");
}

#[tokio::test]
async fn fifty_parallel_logins_from_one_address_to_one_account_all_pass_by_default() {
    let s = TestServer::start(|_| {}).await;
    let client = client_from(2);
    let logins = (0..50).map(|_| login(&s.base, &client, "admin", PASSWORD));
    let answers = futures::future::join_all(logins).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _, _)| s.as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
}

#[tokio::test]
async fn a_flood_against_one_account_limits_that_account_not_the_others() {
    let s = TestServer::start(|c| {
        with_oncall(c);
        c.auth.account_burst = 3;
        c.auth.account_per_second = 0.001;
    })
    .await;
    let attacker = client_from(2);
    for _ in 0..3 {
        let (status, _, _) = login(&s.base, &attacker, "oncall", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The account is limited now, from every address, even with its right password.
    for from in [2, 3] {
        let (status, headers, body) =
            login(&s.base, &client_from(from), "oncall", ONCALL_PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_429(&headers, &body);
        assert!(!headers.contains_key("x-subject-token"));
    }
    // Other accounts are not, from the attacker's address or another one.
    for from in [2, 4] {
        let (status, _, body) = login(&s.base, &client_from(from), "admin", PASSWORD).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

#[tokio::test]
async fn a_limited_address_is_refused_even_with_the_right_password() {
    let s = TestServer::start(|c| {
        c.auth.token_burst = 4;
        c.auth.token_per_second = 0.001;
    })
    .await;
    let limited = client_from(2);
    for i in 0..4 {
        let (status, _, _) = login(&s.base, &limited, &format!("nobody-{i}"), "x").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, headers, body) = login(&s.base, &limited, "admin", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_429(&headers, &body);
    let (status, _, _) = login(&s.base, &client_from(3), "admin", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "other addresses are not limited"
    );
}

#[tokio::test]
async fn a_full_hashing_queue_answers_429_with_retry_after() {
    let s = TestServer::start(|c| {
        c.auth.hash_workers = 1;
        c.auth.hash_queue = 1;
    })
    .await;
    let client = client_from(2);
    let names: Vec<String> = (0..40).map(|i| format!("nobody-{i}")).collect();
    let logins = names.iter().map(|n| login(&s.base, &client, n, "x"));
    let answers = futures::future::join_all(logins).await;
    let mut busy = 0;
    for (status, headers, body) in &answers {
        match status.as_u16() {
            401 => {}
            429 => {
                busy += 1;
                assert_429(headers, body);
                assert!(body["error"]["message"].as_str().unwrap().contains("busy"));
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(
        busy > 0,
        "one worker and one queue slot cannot take 40 at once"
    );
    assert!(busy < 40, "the ones that fit were checked");
}

#[tokio::test]
async fn mrs_user_password_is_limited_per_account_in_the_mrs_envelope() {
    let s = TestServer::start(|c| {
        c.auth.account_burst = 4;
        c.auth.account_per_second = 0.001;
    })
    .await;
    let path = "/web/v1/maintain/cluster/1/service/ZooKeeper/start";
    // The harness's own login took one attempt from the admin account.
    for _ in 0..3 {
        let r = s
            .post(path, json!({"user_password": "guess", "only_self": true}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(r.body["error_code"], 10006);
    }
    let r = s
        .post(path, json!({"user_password": PASSWORD, "only_self": true}))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.body["error_code"], 10429);
    assert_eq!(r.body["state"], "FAILED");
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(
        s.status_of("ZooKeeper").await,
        "Stopped",
        "nothing was started"
    );

    let audit = s.get("/switchboard/v1/audit?limit=20").await;
    let rejected = audit.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "rejected: wrong user_password")
        .count();
    assert_eq!(rejected, 3, "{}", audit.body);
}

#[tokio::test]
async fn failed_logins_are_audited_with_the_name_tried_and_the_source() {
    let s = TestServer::start(|_| {}).await;
    for user in ["admin", "mallory"] {
        let (status, _, _) = login(&s.base, &client_from(7), user, "not-it").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let audit = s.get("/switchboard/v1/audit?limit=20").await;
    let records = audit.body["records"].as_array().unwrap();
    for user in ["admin@switchboard", "mallory@switchboard"] {
        let r = records
            .iter()
            .find(|r| r["target"] == user)
            .unwrap_or_else(|| panic!("no record for {user}: {}", audit.body));
        assert_eq!(r["action"], "iam:token:create");
        assert_eq!(r["outcome"], "rejected: wrong user or password");
        assert_eq!(r["principal"], "unknown");
        assert_eq!(r["source"], "127.0.0.7");
        assert_eq!(r["request_id"].as_str().unwrap().len(), 32);
        assert!(!r.to_string().contains("not-it"), "never the password");
    }
}

#[tokio::test]
async fn an_unknown_user_costs_a_real_password_check() {
    let s = TestServer::start(|_| {}).await;
    let (state, base) = (&s.state, &s.base);
    let client = client_from(1);
    for (user, domain_known) in [("nobody", true), ("admin", true), ("ghost", false)] {
        let before = state.hasher().completed();
        let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": "wrong",
            "domain": {"name": if domain_known { "switchboard" } else { "no-such-domain" }}}}}}});
        let r = client
            .post(format!("{base}/v3/auth/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            state.hasher().completed(),
            before + 1,
            "{user}: exactly one Argon2 check, known or not"
        );
    }
    // A password no one has (over 4096 bytes) is refused without being queued for a check.
    let before = state.hasher().completed();
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "x".repeat(100_000), "domain": {"name": "switchboard"}}}}}});
    let r = client
        .post(format!("{base}/v3/auth/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(state.hasher().completed(), before, "no Argon2 check");
}
