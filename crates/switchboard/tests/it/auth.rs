//! Keystone tokens and token authentication through HTTP.

use crate::common;

use common::{token_body, TestServer, PASSWORD, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn token_by_project_id_and_by_name_with_or_without_domain() {
    let s = TestServer::start(|_| {}).await;
    for scope in [
        json!({"project": {"id": PROJECT}}),
        json!({"project": {"name": "local-1", "domain": {"name": "switchboard"}}}),
        json!({"project": {"name": "local-1"}}),
    ] {
        let r = s
            .call(
                Method::POST,
                "/v3/auth/tokens",
                None,
                Some(token_body("admin", PASSWORD, scope.clone())),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{scope}: {}", r.body);
        let subject = r.headers["x-subject-token"].to_str().unwrap();
        assert!(subject.len() >= 32);
        let token = &r.body["token"];
        assert_eq!(token["methods"], json!(["password"]));
        assert_eq!(token["project"]["id"], PROJECT);
        assert_eq!(token["project"]["name"], "local-1");
        assert_eq!(token["project"]["domain"]["name"], "switchboard");
        assert_eq!(token["user"]["name"], "admin");
        assert_eq!(token["roles"][0]["name"], "admin");
        let expires = token["expires_at"].as_str().unwrap();
        assert!(
            expires.ends_with('Z') && expires.len() == "2015-11-09T01:42:57.527363Z".len(),
            "{expires}"
        );
        let compute = token["catalog"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "compute")
            .unwrap();
        assert_eq!(
            compute["endpoints"][0]["url"],
            format!("{}/compute/v2.1/{PROJECT}", s.base)
        );
        assert_eq!(
            s.call(Method::GET, "/web/v1/clusters", Some(subject), None)
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn wrong_credentials_get_keystone_401_and_malformed_requests_400() {
    let s = TestServer::start(|_| {}).await;
    let scope = json!({"project": {"id": PROJECT}});
    for body in [
        token_body("admin", "wrong", scope.clone()),
        token_body("nobody", PASSWORD, scope.clone()),
        token_body("admin", PASSWORD, json!({"project": {"id": "0000"}})),
        token_body(
            "admin",
            PASSWORD,
            json!({"project": {"name": "no-such-project"}}),
        ),
    ] {
        let r = s
            .call(Method::POST, "/v3/auth/tokens", None, Some(body))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(r.body["error"]["code"], 401);
        assert_eq!(r.body["error"]["title"], "Unauthorized");
        assert!(r.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Keystone"));
        assert!(!r.headers.contains_key("x-subject-token"));
    }
    let no_domain = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "admin", "password": PASSWORD}}}}});
    for raw in [
        b"{not json".to_vec(),
        b"{}".to_vec(),
        no_domain.to_string().into_bytes(),
        br#"{"auth": {"identity": {"methods": "password"}}}"#.to_vec(),
    ] {
        let r = s
            .raw(Method::POST, "/v3/auth/tokens", None, Some(raw))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.body["error"]["code"], 400);
    }
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens_get_the_gateway_401() {
    let s = TestServer::start(|c| c.auth.token_ttl = Duration::from_secs(1)).await;
    let short_lived = s.token.clone();
    for (token, reason) in [
        (None, "x-auth-token not found"),
        (Some("sbt-bogus"), "decrypt token fail"),
    ] {
        let r = s.call(Method::GET, "/web/v1/clusters", token, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body["error_code"], "APIGW.0301");
        assert!(
            r.body["error_msg"].as_str().unwrap().contains(reason),
            "{}",
            r.body
        );
        assert_eq!(
            r.body["request_id"].as_str().unwrap(),
            r.headers["x-request-id"].to_str().unwrap()
        );
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = s
        .call(
            Method::POST,
            "/web/v1/maintain/cluster/1/service/HDFS/start",
            Some(&short_lived),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["error_msg"]
            .as_str()
            .unwrap()
            .contains("token expires"),
        "{}",
        r.body
    );
    assert!(s.sim_log().is_empty());
}

#[tokio::test]
async fn health_and_version_need_no_token_and_every_answer_has_a_request_id() {
    let s = TestServer::start(|_| {}).await;
    for path in ["/health", "/v3"] {
        let r = s.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers["x-request-id"].to_str().unwrap().len(), 32);
    }
    for path in [
        "/switchboard/v1/tasks",
        "/switchboard/v1/resources",
        "/switchboard/v1/audit",
        "/web/v1/clusters",
    ] {
        assert_eq!(
            s.call(Method::GET, path, None, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let r = s
        .call(Method::GET, "/no/such/api", Some(&s.token), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error_code"], "APIGW.0101");
}

#[tokio::test]
async fn an_unscoped_token_is_denied_project_resources() {
    let s = TestServer::start(|_| {}).await;
    let body = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "admin", "password": PASSWORD, "domain": {"name": "switchboard"}}}}}});
    let r = s
        .call(Method::POST, "/v3/auth/tokens", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.body["token"].get("project").is_none());
    let unscoped = r.headers["x-subject-token"].to_str().unwrap().to_string();
    let r = s
        .call(Method::GET, "/web/v1/clusters", Some(&unscoped), None)
        .await;
    // No project, no role: denied by default, in the family's envelope.
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["state"], "FAILED");
    let r = s
        .call(
            Method::POST,
            "/web/v1/maintain/cluster/1/service/HDFS/start",
            Some(&unscoped),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(s.sim_log().is_empty());
}

#[tokio::test]
async fn tokens_validate_and_revoke_and_projects_list_by_name() {
    let s = TestServer::start(|_| {}).await;
    let other = s.issue_token(json!({"project": {"id": PROJECT}})).await;
    let check = |subject: String| {
        s.client
            .get(format!("{}/v3/auth/tokens", s.base))
            .header("X-Auth-Token", &s.token)
            .header("X-Subject-Token", subject)
            .send()
    };
    let r = check(other.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-subject-token"], other.as_str());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["token"]["project"]["id"], PROJECT);
    assert!(body["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "compute"));
    assert_eq!(check("sbt-nope".into()).await.unwrap().status(), 404);

    let revoked = s
        .client
        .delete(format!("{}/v3/auth/tokens", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-Subject-Token", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(check(other.clone()).await.unwrap().status(), 404);
    let r = s
        .call(Method::GET, "/web/v1/clusters", Some(&other), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token no longer works"
    );

    let r = s.get("/v3/projects?name=local-1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["projects"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["projects"][0]["id"], PROJECT);
    assert_eq!(
        s.get("/v3/projects?name=cn-north-4").await.body["projects"],
        json!([])
    );
}

#[tokio::test]
async fn token_requests_are_rate_limited_per_address() {
    let s = TestServer::start(|c| {
        c.auth.token_burst = 3;
        c.auth.token_per_second = 0.01;
    })
    .await;
    // The harness took one token already.
    for _ in 0..2 {
        s.issue_token(json!({"project": {"id": PROJECT}})).await;
    }
    let body = token_body("admin", PASSWORD, json!({"project": {"id": PROJECT}}));
    let r = s
        .call(Method::POST, "/v3/auth/tokens", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"]["code"], 429);
    assert!(
        r.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert!(!r.headers.contains_key("x-subject-token"));
}
