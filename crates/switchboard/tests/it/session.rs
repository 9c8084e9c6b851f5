//! `GET /switchboard/v1/session`: the caller and, for every action name, whether its roles and
//! policies allow it (an explicit Deny winning), as the handlers decide.

use crate::common;

use common::identity::{self, token};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use switchboard_identity::actions::ACTIONS;

async fn session(server: &TestServer, token: &str) -> Value {
    let r = server
        .call(Method::GET, "/switchboard/v1/session", Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["session"].clone()
}

fn may(s: &Value, action: &str) -> bool {
    s["permissions"][action]
        .as_bool()
        .unwrap_or_else(|| panic!("{action} missing: {s}"))
}

#[tokio::test]
async fn the_session_names_the_caller_and_every_action() {
    let server = identity::server().await;
    let s = session(&server, &server.token).await;
    assert_eq!(s["user_name"], "admin");
    assert_eq!(s["project_id"], PROJECT);
    assert_eq!(s["project_name"], "local-1");
    assert_eq!(s["roles"], serde_json::json!(["admin"]));
    assert!(s["user_id"].is_string() && s["domain_id"].is_string());
    let expires = s["expires_at"].as_str().unwrap();
    assert!(chrono_like(expires), "{expires}");
    let permissions = s["permissions"].as_object().unwrap();
    assert_eq!(permissions.len(), ACTIONS.len());
    assert!(permissions.values().all(|v| v == true), "{s}");

    // An AK/SK signature is a session too (the key's user, the project it names).
    let key = common::signer::admin_key(&server).await;
    let date = common::sdk_date::now_date();
    let r = common::signer::signed(
        &server,
        &key,
        Method::GET,
        "/switchboard/v1/session",
        b"",
        Some(PROJECT),
        &date,
        |_| {},
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["session"]["user_name"], "admin");
    assert_eq!(r.body["session"]["project_name"], "local-1");
    assert_eq!(r.body["session"]["permissions"]["mrs:service:start"], true);

    // No token: the API's 401.
    let r = server
        .call(Method::GET, "/switchboard/v1/session", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

fn chrono_like(s: &str) -> bool {
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T'
}

#[tokio::test]
async fn roles_and_policies_decide_each_permission_deny_winning() {
    let server = identity::server().await;

    let viewer = token(&server, "vera", "Vera-Password-1", PROJECT).await;
    let s = session(&server, &viewer).await;
    assert_eq!(s["roles"], serde_json::json!(["viewer"]));
    assert!(may(&s, "switchboard:resource:list") && may(&s, "nova:server:list"));
    for action in [
        "mrs:service:start",
        "nova:server:reboot",
        "switchboard:task:cancel",
    ] {
        assert!(!may(&s, action), "viewer may {action}");
    }
    assert!(!may(&s, "switchboard:user:list"));

    // An operator with a Deny on `*:*:reboot`: operates, but reboots nothing.
    let operator = token(&server, "otto", "Otto-Password-1", PROJECT).await;
    let s = session(&server, &operator).await;
    for action in [
        "mrs:service:restart",
        "nova:server:start",
        "switchboard:task:cancel",
    ] {
        assert!(may(&s, action), "operator may not {action}");
    }
    for action in [
        "nova:server:reboot",
        "dbss:instance:reboot",
        "bms:servers:reboot",
    ] {
        assert!(!may(&s, action), "the Deny policy lets {action} through");
    }
    assert!(!may(&s, "live:ott:createFlow") && !may(&s, "switchboard:policy:create"));

    // A viewer with an Allow policy on `live:ott:*`.
    let lily = token(&server, "lily", "Lily-Password-1", PROJECT).await;
    let s = session(&server, &lily).await;
    assert!(may(&s, "live:ott:updateFlowStatusStart") && !may(&s, "mrs:service:start"));

    // The answers agree with the handlers: the operator's reboot is refused there too.
    let r = server
        .call(
            Method::POST,
            &format!("/v2.1/{PROJECT}/servers/95bf2490-5428-432c-ad9b-5e3406f869dd/action"),
            Some(&operator),
            Some(serde_json::json!({"reboot": {"type": "SOFT"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}
