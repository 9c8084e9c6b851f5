//! Rejections before any handler answer in the family's own envelope: a path parameter that is
//! not UTF-8 once decoded, and an oversized body on the native admin API.

use crate::common;

use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_path_parameter_that_is_not_utf8_answers_400_in_each_familys_envelope() {
    let s = TestServer::start(|_| {}).await;
    type Check = fn(&Value) -> bool;
    let cases: [(Method, String, Check); 7] = [
        (Method::GET, "/web/v1/cluster/%FF/status".into(), |b| {
            b["error_code"] == 10001 && b["state"] == "FAILED"
        }),
        (
            Method::POST,
            format!("/v1/{PROJECT}/db-om/%FF/start"),
            |b| b["error_code"] == "DBSS.10000001" && b["details"][0]["error_code"].is_string(),
        ),
        (Method::GET, "/v1/%C3%28/flows".into(), |b| {
            b["error_code"] == "LIVE.100011001"
        }),
        (Method::GET, format!("/v2.1/{PROJECT}/servers/%FF"), |b| {
            b["badRequest"]["code"] == 400
        }),
        (Method::GET, format!("/v1/{PROJECT}/jobs/%FF"), |b| {
            b["error"]["code"] == "BMS.0001"
        }),
        (Method::GET, "/switchboard/v1/tasks/%FF".into(), |b| {
            b["error"]["code"] == "bad_request" && b["error"]["request_id"].is_string()
        }),
        (
            Method::GET,
            "/v3.0/OS-CREDENTIAL/credentials/%FF".into(),
            |b| b["error"]["code"] == 400 && b["error"]["title"] == "Bad Request",
        ),
    ];
    for (method, path, envelope) in cases {
        let r = s.call(method, &path, Some(&s.token), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(envelope(&r.body), "{path}: {}", r.body);
        assert!(
            r.body.to_string().contains("invalid path parameter"),
            "{path}: {}",
            r.body
        );
    }
    assert!(s.sim_log().is_empty(), "nothing was performed");
    // Queries are decoded leniently: never axum's plain text.
    for path in [
        "/switchboard/v1/tasks?limit=%FF",
        "/v1/%s/flows?limit=%FF%4",
    ] {
        let r = s.get(&path.replace("%s", PROJECT)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.body.is_object(), "{path}: {}", r.body);
    }
    // Valid escapes still reach the handler.
    let r = s.get("/switchboard/v1/tasks/%31%32%33%34").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn the_native_admin_api_answers_an_oversized_body_with_413() {
    let s = TestServer::start(|c| c.api.max_body_bytes = 4096).await;
    let big = json!({"name": "x", "password": "p".repeat(8192)});
    let r = s.post("/switchboard/v1/users", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "payload_too_large", "{}", r.body);
    let listed = s.get("/switchboard/v1/users").await;
    assert!(
        !listed.body.to_string().contains("\"x\""),
        "{}",
        listed.body
    );
}
