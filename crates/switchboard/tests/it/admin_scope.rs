//! What a project administrator cannot do beyond its projects, beyond the matrix: escalate into
//! another project or the system role, touch the system administrator, or a user who also
//! belongs elsewhere.

use crate::common;

use common::identity::{server, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "Scope-Password-1";

async fn users_as(s: &TestServer, t: &str) -> Vec<Value> {
    let r = s
        .call(Method::GET, "/switchboard/v1/users", Some(t), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["users"].as_array().unwrap().clone()
}

fn find<'a>(users: &'a [Value], name: &str) -> Option<&'a Value> {
    users.iter().find(|u| u["name"] == name)
}

async fn put(s: &TestServer, t: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = s.call(Method::PUT, path, Some(t), Some(body)).await;
    (r.status, r.body)
}

#[tokio::test]
async fn a_project_admin_cannot_escalate_or_reach_beyond_its_projects() {
    let s = server().await;
    // alice administers other-1 only (from the configuration).
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let all = users_as(&s, &s.token).await;
    let alice_id = find(&all, "alice").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = find(&all, "admin").unwrap().clone();
    let admin_id = admin["id"].as_str().unwrap();
    assert_eq!(
        admin["system_admin"], true,
        "the bootstrap admin is a system admin"
    );

    // Granting itself admin in another project.
    let me = format!("/switchboard/v1/users/{alice_id}");
    let (status, body) = put(&s, &alice, &me, json!({"roles": {"local-1": "admin"}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    // … or the system role, for itself or a new user.
    let (status, _) = put(&s, &alice, &me, json!({"system_admin": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/users",
            Some(&alice),
            Some(json!({"name": "sneaky", "password": PASSWORD, "roles": {"other-1": "viewer"}, "system_admin": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // … or a user with no role at all, whom no project admin could see afterwards.
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/users",
            Some(&alice),
            Some(json!({"name": "orphan", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // … or attach a policy (an Allow reaches every project its user is ever given a role in).
    let (status, body) = put(&s, &alice, &me, json!({"policies": ["live-operator"]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/users",
            Some(&alice),
            Some(json!({"name": "planted", "password": PASSWORD, "roles": {"other-1": "viewer"}, "policies": ["live-operator"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let after = users_as(&s, &s.token).await;
    assert!(find(&after, "planted").is_none());
    let alice_after = find(&after, "alice").unwrap();
    assert_eq!(alice_after["policies"], json!([]));
    assert_eq!(
        alice_after["roles"],
        json!([{"project_id": OTHER, "role": "admin"}])
    );
    assert_eq!(alice_after["system_admin"], false);
    assert!(find(&after, "sneaky").is_none() && find(&after, "orphan").is_none());

    // The bootstrap admin has admin in other-1 too, so alice sees it there, but it is the
    // system's: no password, key, deletion.
    let seen = users_as(&s, &alice).await;
    let admin_seen = find(&seen, "admin").unwrap();
    assert_eq!(
        admin_seen["roles"],
        json!([{"project_id": OTHER, "role": "admin"}]),
        "only roles in alice's projects are shown"
    );
    assert!(
        find(&seen, "vera").is_none(),
        "a local-1 user is not listed"
    );
    let admin_path = format!("/switchboard/v1/users/{admin_id}");
    let (status, _) = put(&s, &alice, &admin_path, json!({"password": "Taken-Over-1"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = s
        .call(Method::DELETE, &admin_path, Some(&alice), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(&alice),
            Some(json!({"credential": {"user_id": admin_id}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body["error"].is_object(), "Keystone's error body");
    // The admin's password still works and it has no key.
    token(&s, "admin", common::PASSWORD, PROJECT).await;
    let keys = s
        .get(&format!(
            "/v3.0/OS-CREDENTIAL/credentials?user_id={admin_id}"
        ))
        .await;
    assert_eq!(keys.body["credentials"], json!([]));
}

#[tokio::test]
async fn a_user_in_two_projects_is_shared_not_taken_over() {
    let s = server().await;
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let r = s
        .post(
            "/switchboard/v1/users",
            json!({"name": "mixed", "password": PASSWORD, "roles": {"local-1": "operator", "other-1": "viewer"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["user"]["id"].as_str().unwrap().to_string();
    let path = format!("/switchboard/v1/users/{id}");

    // alice changes the role in her project; the local-1 role stays.
    let (status, body) = put(&s, &alice, &path, json!({"roles": {"other-1": "operator"}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["user"]["roles"],
        json!([{"project_id": OTHER, "role": "operator"}])
    );
    let all = users_as(&s, &s.token).await;
    let roles = &find(&all, "mixed").unwrap()["roles"];
    assert_eq!(
        roles,
        &json!([{"project_id": OTHER, "role": "operator"}, {"project_id": PROJECT, "role": "operator"}])
    );
    // Removing every role she can see leaves the other project's.
    let (status, _) = put(&s, &alice, &path, json!({"roles": {}})).await;
    assert_eq!(status, StatusCode::OK);
    let all = users_as(&s, &s.token).await;
    assert_eq!(
        find(&all, "mixed").unwrap()["roles"],
        json!([{"project_id": PROJECT, "role": "operator"}])
    );
    // She no longer sees the user at all, and its password, key and existence are not hers.
    let (status, _) = put(&s, &alice, &path, json!({"password": "Taken-Over-1"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = put(
        &s,
        &s.token,
        &path,
        json!({"roles": {"local-1": "operator", "other-1": "viewer"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put(&s, &alice, &path, json!({"password": "Taken-Over-1"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the user also belongs to local-1"
    );
    let r = s.call(Method::DELETE, &path, Some(&alice), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    token(&s, "mixed", PASSWORD, PROJECT).await;
}

#[tokio::test]
async fn a_configured_system_admin_administers_everything_from_any_scope() {
    let s = common::TestServer::start(|c| {
        let extra: toml::Value = toml::from_str(
            r#"
            [[users]]
            name = "root2"
            password = "Root2-Password-1"
            roles = { "local-1" = "viewer" }
            system_admin = true
            "#,
        )
        .unwrap();
        c.users = extra["users"].clone().try_into().unwrap();
    })
    .await;
    let root2 = token(&s, "root2", "Root2-Password-1", PROJECT).await;
    let all = users_as(&s, &root2).await;
    assert!(find(&all, "admin").is_some());
    // Viewer in its project: it may not operate there, but it administers identities.
    let r = s
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(&root2),
            Some(json!({"credential": {"user_id": find(&all, "admin").unwrap()["id"]}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let stop = s
        .call(
            Method::POST,
            &format!("/v1/{PROJECT}/db-om/a1b2c3d4e5f60718293a4b5c6d7e8f90/stop"),
            Some(&root2),
            None,
        )
        .await;
    assert_eq!(stop.status, StatusCode::FORBIDDEN);
}
