//! The admin API for users and policies through HTTP.

use crate::common;

use common::identity::{server, token};
use common::PROJECT;
use reqwest::{Method, StatusCode};
use serde_json::json;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

#[tokio::test]
async fn the_admin_api_manages_users_and_policies_with_immediate_effect() {
    let s = server().await;
    let policy = json!({"document": {"Version": "1.1", "Statement": [{"Effect": "Deny", "Action": ["nova:server:stop"]}]}});
    let r = s
        .call(
            Method::PUT,
            "/switchboard/v1/policies/no-stop",
            Some(&s.token),
            Some(policy),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let created = s.post("/switchboard/v1/users", json!({
        "name": "nina", "password": "Nina-Password-1", "roles": {"local-1": "viewer"}, "policies": ["no-stop"]
    })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["user"]["roles"][0]["role"], "viewer");
    let nina = token(&s, "nina", "Nina-Password-1", PROJECT).await;
    let stop = |t: String| {
        let s = &s;
        async move {
            s.call(
                Method::POST,
                &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
                Some(&t),
                Some(json!({"os-stop": null})),
            )
            .await
        }
    };
    assert_eq!(
        stop(nina.clone()).await.status,
        StatusCode::FORBIDDEN,
        "viewer"
    );

    // Promoted to operator: the same token works at once, except where the policy denies.
    let r = s
        .call(
            Method::PUT,
            &format!("/switchboard/v1/users/{id}"),
            Some(&s.token),
            Some(json!({"roles": {"local-1": "operator"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        stop(nina.clone()).await.status,
        StatusCode::FORBIDDEN,
        "the Deny still wins"
    );
    let r = s
        .call(
            Method::PUT,
            &format!("/switchboard/v1/users/{id}"),
            Some(&s.token),
            Some(json!({"policies": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(stop(nina.clone()).await.status, StatusCode::NO_CONTENT);

    // Viewers and operators do not manage users.
    let r = s
        .call(Method::GET, "/switchboard/v1/users", Some(&nina), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let listed = s.get("/switchboard/v1/users").await;
    assert!(listed.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["name"] == "nina"));

    for (body, status) in [
        (
            json!({"name": "nina", "password": "Nina-Password-1"}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"name": "x", "password": "short"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x", "password": "Long-Enough-1", "roles": {"local-1": "root"}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x", "password": "Long-Enough-1", "roles": {"nowhere": "viewer"}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x", "password": "Long-Enough-1", "policies": ["ghost"]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x", "password": "Long-Enough-1", "colour": "blue"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = s.post("/switchboard/v1/users", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let bad_policy = json!({"document": {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["nonsense"]}]}});
    assert_eq!(
        s.call(
            Method::PUT,
            "/switchboard/v1/policies/bad",
            Some(&s.token),
            Some(bad_policy)
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let r = s
        .call(
            Method::DELETE,
            &format!("/switchboard/v1/users/{id}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s
        .call(
            Method::GET,
            &format!("/v1/{PROJECT}/flows"),
            Some(&nina),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a deleted user's token is dead"
    );
    let r = s
        .call(
            Method::DELETE,
            "/switchboard/v1/policies/no-stop",
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}
