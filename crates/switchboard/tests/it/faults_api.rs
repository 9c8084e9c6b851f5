//! Fault rules through `/switchboard/v1/faults`: the list, its order, its checks, who may use
//! it, seeded probabilities and latency.

use crate::common;

use common::identity::{server, token};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const FAULTS: &str = "/switchboard/v1/faults";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn faults(s: &TestServer, method: Method, path: &str, body: Option<Value>) -> common::Reply {
    s.call(method, path, Some(&s.token), body).await
}

fn ids(body: &Value) -> Vec<String> {
    let rules = body.as_array().unwrap_or_else(|| panic!("{body}"));
    rules
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn rules_are_replaced_appended_listed_and_removed_in_order() {
    let s = TestServer::start(|_| {}).await;
    assert_eq!(faults(&s, Method::GET, FAULTS, None).await.body, json!([]));
    let two = json!([
        {"id": "a", "action": "dbss:instance:start", "error": {"statusCode": 500}},
        {"service": "dbss", "operation": "stop", "latency_ms": 10},
    ]);
    let r = faults(&s, Method::POST, FAULTS, Some(two)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let given = ids(&r.body);
    assert_eq!(given[0], "a");
    assert!(
        given[1].starts_with("fault-"),
        "a generated id: {}",
        given[1]
    );
    assert_eq!(r.body[1]["service"], "dbss", "LocalStack's field kept");
    let r = faults(
        &s,
        Method::PATCH,
        FAULTS,
        Some(json!([{"id": "c", "family": "nova", "error": {}}])),
    )
    .await;
    assert_eq!(
        ids(&r.body),
        vec!["a".to_string(), given[1].clone(), "c".into()]
    );
    // An id already taken is refused, and nothing is added.
    let r = faults(
        &s,
        Method::PATCH,
        FAULTS,
        Some(json!([{"id": "d", "error": {}}, {"id": "a", "error": {}}])),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rules[4].id"),
        "{}",
        r.body
    );
    assert_eq!(
        ids(&faults(&s, Method::GET, FAULTS, None).await.body).len(),
        3
    );
    // By id, by the fields of a rule, then all.
    let r = faults(&s, Method::DELETE, &format!("{FAULTS}?id=a"), None).await;
    assert_eq!(ids(&r.body), vec![given[1].clone(), "c".into()]);
    let r = faults(
        &s,
        Method::DELETE,
        FAULTS,
        Some(json!([{"family": "nova"}])),
    )
    .await;
    assert_eq!(ids(&r.body), vec![given[1].clone()]);
    let r = faults(&s, Method::DELETE, FAULTS, None).await;
    assert_eq!(r.body, json!([]));
    // Every change was audited.
    let audit = s
        .get("/switchboard/v1/audit?action=switchboard:fault:update")
        .await;
    assert_eq!(
        audit.body["records"].as_array().unwrap().len(),
        5,
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn malformed_rules_are_refused_naming_the_field_and_nothing_is_kept() {
    let s = TestServer::start(|_| {}).await;
    let cases = [
        (json!({"family": "ec2", "error": {}}), "rules[0].family"),
        (
            json!({"operation": "explode", "error": {}}),
            "rules[0].operation",
        ),
        (
            json!({"action": "dbss:instance:explode", "error": {}}),
            "rules[0].action",
        ),
        (
            json!({"probability": 1.5, "error": {}}),
            "rules[0].probability",
        ),
        (json!({"times": -1, "error": {}}), "rules[0].times"),
        (json!({"times": 0, "error": {}}), "rules[0].times"),
        (
            json!({"error": {"statusCode": 200}}),
            "rules[0].error.statusCode",
        ),
        (json!({"error": {"status": 500}}), "rules[0].error"),
        (json!({"colour": "red", "error": {}}), "colour"),
        (
            json!({"error": {}, "driver": {"hang": true}}),
            "rules[0].driver",
        ),
        (json!({"driver": {}}), "rules[0].driver"),
        (json!({"latency_ms": 600000}), "rules[0].latency_ms"),
        (
            json!({"family": "iam", "driver": {"fail": "x"}}),
            "rules[0].driver",
        ),
        (
            json!({"project": "nowhere", "error": {}}),
            "rules[0].project",
        ),
        (
            json!({"probability": "half", "error": {}}),
            "rules[0].probability",
        ),
        (json!({"action": "dbss:instance:start"}), "rules[0].error"),
        (
            json!({"resource": "nothing-here", "driver": {"hang": true}}),
            "rules[0].resource",
        ),
    ];
    for (rule, field) in cases {
        let body = json!([{"id": "fine", "error": {}}, rule]);
        let field = field.replace("rules[0]", "rules[1]");
        let r = faults(&s, Method::POST, FAULTS, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&field), "{field} not named: {message}");
    }
    let not_a_list = faults(&s, Method::POST, FAULTS, Some(json!({"error": {}}))).await;
    assert_eq!(not_a_list.status, StatusCode::BAD_REQUEST);
    let too_many: Vec<Value> = (0..1001).map(|_| json!({"error": {}})).collect();
    let r = faults(&s, Method::POST, FAULTS, Some(json!(too_many))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(faults(&s, Method::GET, FAULTS, None).await.body, json!([]));
}

#[tokio::test]
async fn a_driver_fault_on_a_resource_of_another_driver_is_refused() {
    let s = TestServer::start(|c| {
        let db = c
            .dbom_instances
            .iter_mut()
            .find(|d| d.name == "dbom-prod")
            .unwrap();
        db.driver = "exec".into();
        db.config = json!({"start": "true", "stop": "true", "status": "echo stopped"});
    })
    .await;
    let rule = json!([{"resource": "dbom-prod", "driver": {"fail": "x"}}]);
    let r = faults(&s, Method::POST, FAULTS, Some(rule)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("simulated resources only"), "{message}");
    // A name no existing resource has (deleted ones included) is refused too.
    let rule = json!([{"resource": "no-such-thing", "driver": {"fail": "x"}}]);
    let r = faults(&s, Method::POST, FAULTS, Some(rule)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("no resource no-such-thing"), "{message}");
    // A simulated resource named by its name is accepted.
    let rule = json!([{"resource": "dbom-test", "driver": {"fail": "x"}}]);
    let r = faults(&s, Method::POST, FAULTS, Some(rule)).await;
    assert!(r.status.is_success(), "{}", r.body);
}

#[tokio::test]
async fn operators_and_viewers_may_neither_read_nor_change_rules() {
    let s = server().await;
    for (user, password) in [("otto", "Otto-Password-1"), ("vera", "Vera-Password-1")] {
        let t = token(&s, user, password, PROJECT).await;
        for (method, path) in [
            (Method::GET, FAULTS.to_string()),
            (Method::GET, format!("{FAULTS}/fired")),
            (Method::POST, FAULTS.to_string()),
            (Method::PATCH, FAULTS.to_string()),
            (Method::DELETE, FAULTS.to_string()),
        ] {
            let body = (method != Method::GET).then(|| json!([{"error": {}}]));
            let r = s.call(method.clone(), &path, Some(&t), body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{user} {method} {path}: {}",
                r.body
            );
            assert_eq!(r.body["error"]["code"], "forbidden", "{}", r.body);
        }
    }
}

#[tokio::test]
async fn a_policy_allow_grants_the_rules_to_an_operator() {
    let s = common::identity::server_with(|c| {
        #[derive(serde::Deserialize)]
        struct Extra {
            users: Vec<switchboard::config::UserConfig>,
            policies: Vec<switchboard::config::PolicyConfig>,
        }
        let extra: Extra = toml::from_str(
            r#"
            [[users]]
            name = "fay"
            password = "Fay-Password-1"
            roles = { "local-1" = "operator" }
            policies = ["chaos"]
            [[policies]]
            name = "chaos"
            document = { Version = "1.1", Statement = [{ Effect = "Allow", Action = ["switchboard:fault:*"] }] }
            "#,
        )
        .unwrap();
        c.users.extend(extra.users);
        c.policies.extend(extra.policies);
    })
    .await;
    let t = token(&s, "fay", "Fay-Password-1", PROJECT).await;
    let r = s
        .call(
            Method::POST,
            FAULTS,
            Some(&t),
            Some(json!([{"family": "nova", "error": {}}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        s.call(Method::GET, FAULTS, Some(&t), None).await.status,
        StatusCode::OK
    );
}

/// The statuses of `n` DBSS reads on a fresh server with a seeded 50 % rule.
async fn seeded_run(n: usize) -> Vec<u16> {
    let s = TestServer::start(|_| {}).await;
    let rule = json!([{"action": "dbss:instance:get", "probability": 0.5, "seed": 1234,
        "error": {"statusCode": 503, "code": "DBSS.503"}}]);
    assert_eq!(
        faults(&s, Method::POST, FAULTS, Some(rule)).await.status,
        StatusCode::OK
    );
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            s.get(&format!("/v1/{PROJECT}/db-om/{PROD}"))
                .await
                .status
                .as_u16(),
        );
    }
    out
}

#[tokio::test]
async fn a_seeded_probability_fails_the_same_requests_on_two_servers() {
    let first = seeded_run(40).await;
    let second = seeded_run(40).await;
    assert_eq!(first, second);
    let failed = first.iter().filter(|s| **s == 503).count();
    assert!(
        (8..=32).contains(&failed),
        "{failed} of 40 failed: {first:?}"
    );
    assert!(first.iter().all(|s| *s == 503 || *s == 200), "{first:?}");
}

#[tokio::test]
async fn latency_delays_the_answer_by_at_least_the_rule() {
    let s = TestServer::start(|_| {}).await;
    let rule = json!([{"action": "dbss:instance:get", "latency_ms": 400}]);
    assert_eq!(
        faults(&s, Method::POST, FAULTS, Some(rule)).await.status,
        StatusCode::OK
    );
    let path = format!("/v1/{PROJECT}/db-om/{PROD}");
    let started = Instant::now();
    let r = s.get(&path).await;
    let slow = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "latency alone answers normally");
    assert!(slow >= Duration::from_millis(400), "{slow:?}");
    let started = Instant::now();
    s.get(&format!("/v1/{PROJECT}/instance/quota")).await;
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "another action is not delayed"
    );
    let fired = s.get(&format!("{FAULTS}/fired")).await;
    assert_eq!(
        fired.body["fired"][0]["effect"], "latency",
        "{}",
        fired.body
    );
}
