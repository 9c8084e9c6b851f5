//! Roles, policies and project isolation through HTTP, in every family's own error format.

mod common;

use common::{token_body, TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard::config::{Config, PolicyConfig, UserConfig};

const OTHER: &str = "0a0b0c0d0e0f40418283848586878889";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";
const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

#[derive(Deserialize)]
struct Extra {
    users: Vec<UserConfig>,
    policies: Vec<PolicyConfig>,
}

const EXTRA: &str = r#"
[[users]]
name = "vera"
password = "Vera-Password-1"
roles = { "local-1" = "viewer" }

[[users]]
name = "otto"
password = "Otto-Password-1"
roles = { "local-1" = "operator" }
policies = ["no-reboots"]

[[users]]
name = "lily"
password = "Lily-Password-1"
roles = { "local-1" = "viewer" }
policies = ["live-operator"]

[[users]]
name = "alice"
password = "Alice-Password-1"
roles = { "other-1" = "admin" }

[[policies]]
name = "no-reboots"
document = { Version = "1.1", Statement = [{ Effect = "Deny", Action = ["*:*:reboot", "nova:server:reboot"] }] }

[[policies]]
name = "live-operator"
document = { Version = "1.1", Statement = [{ Effect = "Allow", Action = ["live:ott:*"] }] }
"#;

async fn server() -> TestServer {
    TestServer::start(|c: &mut Config| {
        let extra: Extra = toml::from_str(EXTRA).unwrap();
        c.users = extra.users;
        c.policies = extra.policies;
        c.projects.push(switchboard_core::inventory::ProjectSpec {
            id: OTHER.into(),
            name: "other-1".into(),
            domain: "switchboard".into(),
        });
    })
    .await
}

async fn token(s: &TestServer, user: &str, password: &str, project: &str) -> String {
    let r = s
        .call(
            Method::POST,
            "/v3/auth/tokens",
            None,
            Some(token_body(
                user,
                password,
                json!({"project": {"id": project}}),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{user}: {}", r.body);
    r.headers["x-subject-token"].to_str().unwrap().to_string()
}

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
