//! The Keystone `token` auth method (`OS_AUTH_TYPE=v3token`): rescoping, expiry never extended,
//! and every bad token a 401 in Keystone's format.

use crate::common;

use common::identity::{server, OTHER};
use common::{token_body, TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

fn by_token(id: &str, scope: Value) -> Value {
    let mut body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": id}}}});
    if !scope.is_null() {
        body["auth"]["scope"] = scope;
    }
    body
}

async fn post(s: &TestServer, path: &str, body: Value) -> common::Reply {
    s.call(Method::POST, path, None, Some(body)).await
}

fn subject(r: &common::Reply) -> String {
    r.headers["x-subject-token"].to_str().unwrap().to_string()
}

fn assert_keystone_401(r: &common::Reply) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"error": {"code": 401, "title": "Unauthorized",
                         "message": "The request you have made requires authentication."}})
    );
}

#[tokio::test]
async fn an_unscoped_token_is_rescoped_to_a_project_without_outliving_it() {
    let s = TestServer::start(|_| {}).await;
    let r = post(
        &s,
        "/v3/auth/tokens",
        token_body("admin", common::PASSWORD, Value::Null),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let unscoped = subject(&r);
    let expires = r.body["token"]["expires_at"].clone();
    tokio::time::sleep(Duration::from_millis(20)).await;

    for path in ["/v3/auth/tokens", "/identity/v3/auth/tokens"] {
        let r = post(
            &s,
            path,
            by_token(&unscoped, json!({"project": {"id": PROJECT}})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = &r.body["token"];
        assert_eq!(token["project"]["id"], PROJECT);
        assert_eq!(token["methods"], json!(["token", "password"]));
        assert_eq!(
            token["expires_at"], expires,
            "the new token must not outlive the old"
        );
        assert!(token["catalog"].as_array().is_some_and(|c| !c.is_empty()));
        // The new token works, and validates with itself as both tokens.
        let scoped = subject(&r);
        let list = s
            .call(
                Method::GET,
                &format!("/v2.1/{PROJECT}/servers"),
                Some(&scoped),
                None,
            )
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let v = s
            .client
            .get(format!("{}/v3/auth/tokens", s.base))
            .header("X-Auth-Token", &scoped)
            .header("X-Subject-Token", &scoped)
            .send()
            .await
            .unwrap();
        assert_eq!(v.status(), 200);
    }
    // By project name and domain, too.
    let scope = json!({"project": {"name": "local-1", "domain": {"name": "switchboard"}}});
    let r = post(&s, "/v3/auth/tokens", by_token(&unscoped, scope)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn a_scoped_token_without_scope_gives_an_unscoped_one() {
    let s = TestServer::start(|_| {}).await;
    let r = post(&s, "/v3/auth/tokens", by_token(&s.token, Value::Null)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["token"].get("project").is_none(), "{}", r.body);
    assert!(r.body["token"].get("catalog").is_none());
}

#[tokio::test]
async fn no_role_unknown_revoked_and_expired_tokens_are_401() {
    let s = server().await;
    let body = token_body(
        "vera",
        "Vera-Password-1",
        json!({"project": {"id": PROJECT}}),
    );
    let r = post(&s, "/v3/auth/tokens", body).await;
    let vera = subject(&r);
    // A project where vera has no role, and one that does not exist.
    for project in [OTHER, "0123456789abcdef0123456789abcdef"] {
        let r = post(
            &s,
            "/v3/auth/tokens",
            by_token(&vera, json!({"project": {"id": project}})),
        )
        .await;
        assert_keystone_401(&r);
    }
    let r = post(&s, "/v3/auth/tokens", by_token("sbt-unknown", Value::Null)).await;
    assert_keystone_401(&r);
    // Revoked.
    let revoked = s
        .client
        .delete(format!("{}/v3/auth/tokens", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-Subject-Token", &vera)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let r = post(
        &s,
        "/v3/auth/tokens",
        by_token(&vera, json!({"project": {"id": PROJECT}})),
    )
    .await;
    assert_keystone_401(&r);
    // Malformed: no token in identity, a token id of the wrong type.
    let r = post(
        &s,
        "/v3/auth/tokens",
        json!({"auth": {"identity": {"methods": ["token"]}}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error"]["code"], 400);
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": 7}}}});
    let r = post(&s, "/v3/auth/tokens", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error"]["code"], 400);
}

#[tokio::test]
async fn an_expired_token_cannot_be_rescoped() {
    let s = TestServer::start(|c| c.auth.token_ttl = Duration::from_millis(300)).await;
    let old = s.token.clone();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = post(
        &s,
        "/v3/auth/tokens",
        by_token(&old, json!({"project": {"id": PROJECT}})),
    )
    .await;
    assert_keystone_401(&r);
}
