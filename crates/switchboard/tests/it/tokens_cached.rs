//! Validated tokens are cached in memory, yet a token stops working on the very next request
//! once revoked, once its user loses the role it was scoped with, is deleted, or has its
//! password changed. Each token is used (so cached) before the change.

use crate::common;

use common::identity::{server, token};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SHOW: &str = "/v2.1/5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b/servers";

async fn create(s: &TestServer, name: &str) -> (String, String) {
    let body = json!({"name": name, "password": "Pass-Word-123", "roles": {"local-1": "viewer"}});
    let r = s.post("/switchboard/v1/users", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["user"]["id"].as_str().unwrap().to_string();
    let t = token(s, name, "Pass-Word-123", PROJECT).await;
    // Twice: the second answer comes from the cache.
    for _ in 0..2 {
        assert_eq!(status(s, &t).await, StatusCode::OK);
    }
    (id, t)
}

async fn status(s: &TestServer, t: &str) -> StatusCode {
    s.call(Method::GET, SHOW, Some(t), None).await.status
}

async fn modify(s: &TestServer, id: &str, change: Value) {
    let path = format!("/switchboard/v1/users/{id}");
    let r = s
        .call(Method::PUT, &path, Some(&s.token), Some(change))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_cached_token_stops_at_once_on_every_kind_of_revocation() {
    let s = server().await;

    let (_, t) = create(&s, "revoked").await;
    let r = s
        .raw(Method::DELETE, "/v3/auth/tokens", Some(&s.token), None)
        .await;
    assert!(r.status.is_client_error(), "no subject token: {}", r.status);
    let r = reqwest::Client::new()
        .delete(format!("{}/v3/auth/tokens", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-Subject-Token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(status(&s, &t).await, StatusCode::UNAUTHORIZED, "revoked");

    let (id, t) = create(&s, "unroled").await;
    modify(&s, &id, json!({"roles": {}})).await;
    assert_eq!(
        status(&s, &t).await,
        StatusCode::UNAUTHORIZED,
        "role removed"
    );

    let (id, t) = create(&s, "deleted").await;
    let path = format!("/switchboard/v1/users/{id}");
    let r = s.call(Method::DELETE, &path, Some(&s.token), None).await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(status(&s, &t).await, StatusCode::UNAUTHORIZED, "deleted");

    let (id, t) = create(&s, "repassworded").await;
    modify(&s, &id, json!({"password": "Other-Pass-456"})).await;
    assert_eq!(
        status(&s, &t).await,
        StatusCode::UNAUTHORIZED,
        "password changed"
    );
}
