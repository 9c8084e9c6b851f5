//! Fault rules are shared by every project, so a project administrator governs only the rules of
//! the projects it administers: it cannot fail another project's requests, nor see, replace or
//! remove that project's rules, nor read its firings.

use crate::common;

use common::identity::{server, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const FAULTS: &str = "/switchboard/v1/faults";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn faults(s: &TestServer, t: &str, method: Method, body: Option<Value>) -> common::Reply {
    s.call(method, FAULTS, Some(t), body).await
}

fn ids(body: &Value) -> Vec<&str> {
    let rules = body.as_array().unwrap_or_else(|| panic!("{body}"));
    rules.iter().map(|r| r["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_project_admin_governs_the_rules_of_its_projects_only() {
    let s = server().await;
    // alice administers other-1 only.
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let system = json!([{"id": "sys", "project": PROJECT, "family": "dbss", "error": {}}]);
    let r = faults(&s, &s.token, Method::POST, Some(system)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A rule naming another project is refused, and nothing is kept.
    let theirs = json!([{"id": "x", "project": PROJECT, "family": "dbss", "error": {}}]);
    let r = faults(&s, &alice, Method::PATCH, Some(theirs)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rules[0].project"),
        "{}",
        r.body
    );
    // A rule without a project is bound to the token's project.
    let mine = json!([{"id": "mine", "family": "dbss", "error": {}}]);
    let r = faults(&s, &alice, Method::PATCH, Some(mine)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(ids(&r.body), vec!["mine"], "alice sees her rule only");
    assert_eq!(r.body[0]["project"], OTHER);

    // Her replace and her delete-all leave the system's rule in place, counters and all.
    let r = faults(
        &s,
        &alice,
        Method::POST,
        Some(json!([{"id": "mine2", "error": {}}])),
    )
    .await;
    assert_eq!(ids(&r.body), vec!["mine2"]);
    let r = faults(&s, &s.token, Method::GET, None).await;
    assert_eq!(ids(&r.body), vec!["sys", "mine2"]);
    let r = faults(&s, &alice, Method::DELETE, None).await;
    assert_eq!(r.body, json!([]));
    let r = faults(&s, &s.token, Method::GET, None).await;
    assert_eq!(ids(&r.body), vec!["sys"]);

    // The system's rule fires in its project; alice does not read that firing.
    let r = s
        .call(
            Method::POST,
            &format!("/v1/{PROJECT}/db-om/{PROD}/start"),
            Some(&s.token),
            None,
        )
        .await;
    assert!(r.status.is_server_error(), "the rule answered: {}", r.body);
    let fired = |t: String| {
        let s = &s;
        async move {
            let r = s
                .call(Method::GET, "/switchboard/v1/faults/fired", Some(&t), None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.body["fired"].as_array().unwrap().len()
        }
    };
    assert_eq!(fired(s.token.clone()).await, 1);
    assert_eq!(fired(alice.clone()).await, 0);
}
