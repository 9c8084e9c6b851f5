//! Roles, policies and project isolation through HTTP, in every family's own error format.

use crate::common;

use common::identity::{server, token, OTHER};
use common::PROJECT;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard::config::Config;
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";
const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
}

fn case(method: Method, path: impl Into<String>, body: Option<Value>) -> Case {
    Case {
        method,
        path: path.into(),
        body,
    }
}

/// One mutating request per family, and how each family says "forbidden".
fn mutations() -> Vec<(Case, &'static str, Value)> {
    vec![
        (
            case(
                Method::POST,
                "/web/v1/maintain/cluster/1/service/ZooKeeper/start",
                Some(json!({})),
            ),
            "state",
            json!("FAILED"),
        ),
        (
            case(
                Method::POST,
                format!("/v1/{PROJECT}/db-om/{PROD}/start"),
                None,
            ),
            "error_code",
            json!("APIGW.0302"),
        ),
        (
            case(
                Method::PUT,
                format!("/v1/{PROJECT}/flows/start?flow_id={NEWS}"),
                None,
            ),
            "error_code",
            json!("APIGW.0302"),
        ),
        (
            case(
                Method::POST,
                format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
                Some(json!({"os-stop": null})),
            ),
            "forbidden",
            json!({"code": 403}),
        ),
        (
            case(
                Method::POST,
                format!("/v1/{PROJECT}/baremetalservers/action"),
                Some(json!({"os-stop": {"servers": [{"id": DB01}]}})),
            ),
            "error",
            json!({"code": "BMS.0288"}),
        ),
        (
            case(Method::POST, "/switchboard/v1/tasks/1/cancel", None),
            "error",
            json!({"code": "forbidden"}),
        ),
    ]
}

fn contains(body: &Value, key: &str, want: &Value) -> bool {
    match (body.get(key), want) {
        (Some(Value::Object(got)), Value::Object(w)) => {
            w.iter().all(|(k, v)| got.get(k) == Some(v))
        }
        (Some(got), w) => got == w,
        _ => false,
    }
}

#[tokio::test]
async fn a_viewer_reads_but_every_family_refuses_its_changes() {
    let s = server().await;
    let vera = token(&s, "vera", "Vera-Password-1", PROJECT).await;
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/v1/{PROJECT}/flows"),
            Some(&vera),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/v2.1/{PROJECT}/servers"),
            Some(&vera),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        s.call(
            Method::GET,
            "/web/v1/cluster/1/services/HDFS",
            Some(&vera),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    for (c, key, want) in mutations() {
        let r = s.call(c.method.clone(), &c.path, Some(&vera), c.body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{} {}: {}",
            c.method,
            c.path,
            r.body
        );
        assert!(contains(&r.body, key, &want), "{}: {}", c.path, r.body);
    }
    assert!(s.sim_log().is_empty(), "nothing was performed");
}

#[tokio::test]
async fn an_operator_operates_but_cannot_manage_and_an_explicit_deny_wins() {
    let s = server().await;
    let otto = token(&s, "otto", "Otto-Password-1", PROJECT).await;
    let stop = s
        .call(
            Method::POST,
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            Some(&otto),
            Some(json!({"os-stop": null})),
        )
        .await;
    assert_eq!(stop.status, StatusCode::NO_CONTENT, "{}", stop.body);
    let reboot = s
        .call(
            Method::POST,
            &format!("/v1/{PROJECT}/db-om/0f9e8d7c6b5a49382716059483726150/reboot"),
            Some(&otto),
            None,
        )
        .await;
    assert_eq!(
        reboot.status,
        StatusCode::FORBIDDEN,
        "denied by policy: {}",
        reboot.body
    );
    let create = s
        .call(
            Method::POST,
            &format!("/v1/{PROJECT}/flows"),
            Some(&otto),
            Some(json!({"name": "f", "region": "r", "sources": [{"protocol": "srt-caller"}]})),
        )
        .await;
    assert_eq!(
        create.status,
        StatusCode::FORBIDDEN,
        "operators do not create: {}",
        create.body
    );
}

#[tokio::test]
async fn a_policy_allows_what_the_role_does_not() {
    let s = server().await;
    let lily = token(&s, "lily", "Lily-Password-1", PROJECT).await;
    let r = s
        .call(
            Method::PUT,
            &format!("/v1/{PROJECT}/flows/start?flow_id={NEWS}"),
            Some(&lily),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .call(
            Method::POST,
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            Some(&lily),
            Some(json!({"os-stop": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_projects_resources_answer_like_unknown_ones() {
    let s = server().await;
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let unknown = [
        (
            Method::GET,
            format!("/v2.1/{OTHER}/servers/{DB01}"),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/v2.1/{OTHER}/servers/00000000-0000-0000-0000-000000000000"),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/v1/{OTHER}/db-om/{PROD}"),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/v1/{OTHER}/db-om/{}", "f".repeat(32)),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/v1/{OTHER}/flows/detail?flow_id={NEWS}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/web/v1/cluster/1/services/HDFS".to_string(),
            StatusCode::NOT_FOUND,
        ),
    ];
    let mut bodies = Vec::new();
    for (method, path, want) in unknown {
        let r = s.call(method, &path, Some(&alice), None).await;
        assert_eq!(r.status, want, "{path}: {}", r.body);
        bodies.push(
            r.body
                .to_string()
                .replace(DB01, "ID")
                .replace(PROD, "ID")
                .replace(&"f".repeat(32), "ID")
                .replace("00000000-0000-0000-0000-000000000000", "ID"),
        );
    }
    assert_eq!(
        bodies[0], bodies[1],
        "an existing server of another project reads exactly like a missing one"
    );
    assert_eq!(bodies[2], bodies[3]);
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/v1/{OTHER}/flows"),
            Some(&alice),
            None
        )
        .await
        .body["total"],
        0
    );
    // The path naming a project the token is not scoped to is refused outright.
    for path in [
        format!("/v2.1/{PROJECT}/servers"),
        format!("/v1/{PROJECT}/flows"),
    ] {
        assert_eq!(
            s.call(Method::GET, &path, Some(&alice), None).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let r = s
        .call(
            Method::POST,
            &format!("/v1/{PROJECT}/baremetalservers/action"),
            Some(&alice),
            Some(json!({"os-stop": {"servers": [{"id": DB01}]}})),
        )
        .await;
    assert_eq!(r.body["error"]["code"], "Common.0018");
    assert!(s.sim_log().is_empty());
}

#[tokio::test]
async fn bad_identity_configuration_is_refused_at_start() {
    let base = Config::parse(switchboard::config::DEMO, "demo").unwrap();
    for (snippet, needle) in [
        (
            "[[users]]\nname = \"x\"\npassword = \"p\"\nroles = { \"local-1\" = \"superuser\" }\n",
            "unknown role",
        ),
        (
            "[[users]]\nname = \"x\"\npassword = \"p\"\nroles = { \"nowhere\" = \"viewer\" }\n",
            "unknown project",
        ),
        (
            "[[users]]\nname = \"x\"\npassword = \"p\"\npolicies = [\"ghost\"]\n",
            "unknown policy",
        ),
        ("[[users]]\nname = \"x\"\n", "password"),
        (
            "[[policies]]\nname = \"p\"\ndocument = { Version = \"1.0\", Statement = [] }\n",
            "Version",
        ),
    ] {
        let extra: toml::Table = toml::from_str(snippet).unwrap();
        let mut c = base.clone();
        if let Some(users) = extra.get("users") {
            c.users = users.clone().try_into().unwrap();
        }
        if let Some(policies) = extra.get("policies") {
            c.policies = policies.clone().try_into().unwrap();
        }
        let err = c.validate().unwrap_err();
        assert!(format!("{err:#}").contains(needle), "{snippet}: {err:#}");
    }
}
