//! A server with extra users and policies, shared by the permission and admin API tests.

use super::{token_body, TestServer};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use switchboard::config::{Config, PolicyConfig, UserConfig};

pub const OTHER: &str = "0a0b0c0d0e0f40418283848586878889";

#[derive(Deserialize)]
struct Extra {
    users: Vec<UserConfig>,
    policies: Vec<PolicyConfig>,
}

pub const EXTRA: &str = r#"
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

pub async fn server() -> TestServer {
    server_with(|_| {}).await
}

/// [`server`], adjusted by `tweak`.
pub async fn server_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start(|c: &mut Config| {
        let extra: Extra = toml::from_str(EXTRA).unwrap();
        c.users = extra.users;
        c.policies = extra.policies;
        c.projects.push(switchboard_core::inventory::ProjectSpec {
            id: OTHER.into(),
            name: "other-1".into(),
            domain: "switchboard".into(),
        });
        tweak(c);
    })
    .await
}

pub async fn token(s: &TestServer, user: &str, password: &str, project: &str) -> String {
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
