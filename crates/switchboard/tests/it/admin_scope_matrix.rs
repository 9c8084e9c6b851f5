//! Every identity and admin route × {system admin, admin of the target's project, admin of
//! another project, operator, viewer} × {target in the caller's project, in another}: the exact
//! status, and nothing changed where the request was refused.

use crate::common;

use common::identity::{server, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    System,
    Admin,
    Operator,
    Viewer,
}

struct Caller {
    name: &'static str,
    kind: Kind,
    home: &'static str,
    token: String,
}

const PASSWORD: &str = "Matrix-Password-1";

fn other_project(p: &str) -> &'static str {
    if p == PROJECT {
        OTHER
    } else {
        PROJECT
    }
}

async fn create_user(s: &TestServer, name: &str, project: &str, role: &str) -> String {
    let r = s
        .post(
            "/switchboard/v1/users",
            json!({"name": name, "password": PASSWORD, "roles": {project: role}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["user"]["id"].as_str().unwrap().to_string()
}

async fn callers(s: &TestServer) -> Vec<Caller> {
    let mut out = vec![Caller {
        name: "system admin",
        kind: Kind::System,
        home: PROJECT,
        token: s.token.clone(),
    }];
    for (name, kind, home, role) in [
        ("adm1", Kind::Admin, PROJECT, "admin"),
        ("adm2", Kind::Admin, OTHER, "admin"),
        ("op1", Kind::Operator, PROJECT, "operator"),
        ("view1", Kind::Viewer, PROJECT, "viewer"),
    ] {
        create_user(s, name, home, role).await;
        let token = token(s, name, PASSWORD, home).await;
        out.push(Caller {
            name,
            kind,
            home,
            token,
        });
    }
    out
}

/// The system's view of a user (None once deleted).
async fn user(s: &TestServer, id: &str) -> Option<Value> {
    let r = s.get("/switchboard/v1/users").await;
    assert_eq!(r.status, StatusCode::OK);
    r.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .cloned()
}

async fn call(s: &TestServer, m: Method, path: &str, t: &str, body: Option<Value>) -> (u16, Value) {
    let r = s.call(m, path, Some(t), body).await;
    (r.status.as_u16(), r.body)
}

async fn subject(s: &TestServer, m: Method, caller: &str, subject: &str) -> u16 {
    let r = s
        .client
        .request(m, format!("{}/v3/auth/tokens", s.base))
        .header("X-Auth-Token", caller)
        .header("X-Subject-Token", subject)
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

const ROUTES: [&str; 14] = [
    "list users",
    "create user",
    "set password",
    "grant role",
    "delete user",
    "put policy",
    "delete policy",
    "list policies",
    "create key",
    "list keys",
    "show key",
    "delete key",
    "validate token",
    "revoke token",
];

/// The expected status: `allowed` when the caller administers the target.
fn expected(route: &str, kind: Kind, allowed: bool) -> u16 {
    let ok = match route {
        "create user" | "create key" => 201,
        "delete user" | "delete policy" | "delete key" | "revoke token" => 204,
        _ => 200,
    };
    if allowed {
        return ok;
    }
    let admin = kind == Kind::Admin;
    match route {
        // Every administrator may list, seeing only its projects' users.
        "list users" | "list policies" if admin => 200,
        // A user the caller cannot see does not exist for it.
        "set password" | "grant role" | "delete user" if admin => 404,
        "show key" | "delete key" | "validate token" | "revoke token" => 404,
        _ => 403,
    }
}

#[tokio::test]
async fn identity_administration_is_scoped_to_administered_projects() {
    let s = server().await;
    let callers = callers(&s).await;
    let mut n = 0;
    for caller in &callers {
        for own in [true, false] {
            let project = if own {
                caller.home
            } else {
                other_project(caller.home)
            };
            for route in ROUTES {
                // Policies reach every project of their users: only the system writes them.
                let writes_policy = route == "put policy" || route == "delete policy";
                let allowed = caller.kind == Kind::System
                    || (caller.kind == Kind::Admin && own && !writes_policy);
                n += 1;
                let case = format!(
                    "{} on a target in {} project: {route}",
                    caller.name,
                    if own { "its own" } else { "another" }
                );
                let status = run(&s, caller, project, route, n, allowed, &case).await;
                assert_eq!(status, expected(route, caller.kind, allowed), "{case}");
            }
        }
    }
}

/// Performs `route` as `caller` against a fresh target in `project`, checks what it changed,
/// and returns the status.
async fn run(
    s: &TestServer,
    caller: &Caller,
    project: &str,
    route: &str,
    n: usize,
    allowed: bool,
    case: &str,
) -> u16 {
    let t = &caller.token;
    let target = create_user(s, &format!("target{n}"), project, "viewer").await;
    let before = user(s, &target).await.unwrap();
    let users = format!("/switchboard/v1/users/{target}");
    let keys = "/v3.0/OS-CREDENTIAL/credentials";
    let policy = format!("/switchboard/v1/policies/pol{n}");
    let deny = |a: &str| json!({"document": {"Version": "1.1", "Statement": [{"Effect": "Deny", "Action": [a]}]}});
    match route {
        "list users" => {
            let (status, body) = call(s, Method::GET, "/switchboard/v1/users", t, None).await;
            if status == 200 {
                let seen = body["users"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u["id"] == target);
                assert_eq!(seen, allowed, "{case}: target listed");
            }
            status
        }
        "create user" => {
            let name = format!("new{n}");
            let body = json!({"name": name, "password": PASSWORD, "roles": {project: "viewer"}});
            let (status, _) = call(s, Method::POST, "/switchboard/v1/users", t, Some(body)).await;
            let all = s.get("/switchboard/v1/users").await.body;
            let exists = all["users"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["name"] == name.as_str());
            assert_eq!(exists, allowed, "{case}: user created");
            status
        }
        "set password" => {
            let old = token(s, &format!("target{n}"), PASSWORD, project).await;
            let body = json!({"password": "Another-Password-2"});
            let (status, _) = call(s, Method::PUT, &users, t, Some(body)).await;
            // A password change revokes the user's tokens, as Keystone does.
            let still = s
                .call(Method::GET, "/switchboard/v1/tasks", Some(&old), None)
                .await
                .status;
            assert_eq!(
                still == StatusCode::UNAUTHORIZED,
                allowed,
                "{case}: old token revoked"
            );
            status
        }
        "grant role" => {
            let body = json!({"roles": {project: "operator"}});
            let (status, _) = call(s, Method::PUT, &users, t, Some(body)).await;
            let after = user(s, &target).await.unwrap();
            assert_eq!(after == before, !allowed, "{case}: roles changed {after}");
            status
        }
        "delete user" => {
            let (status, _) = call(s, Method::DELETE, &users, t, None).await;
            assert_eq!(user(s, &target).await.is_none(), allowed, "{case}: deleted");
            status
        }
        "put policy" | "delete policy" => {
            assert_eq!(
                s.call(
                    Method::PUT,
                    &policy,
                    Some(&s.token),
                    Some(deny("live:ott:createFlow"))
                )
                .await
                .status,
                StatusCode::OK
            );
            let attach = json!({"policies": [format!("pol{n}")]});
            assert_eq!(
                s.call(Method::PUT, &users, Some(&s.token), Some(attach))
                    .await
                    .status,
                StatusCode::OK
            );
            let (status, _) = if route == "put policy" {
                call(
                    s,
                    Method::PUT,
                    &policy,
                    t,
                    Some(deny("live:ott:deleteFlow")),
                )
                .await
            } else {
                call(s, Method::DELETE, &policy, t, None).await
            };
            let stored = s.get("/switchboard/v1/policies").await.body["policies"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == format!("pol{n}").as_str())
                .map(|p| p["document"]["Statement"][0]["Action"][0].clone());
            let untouched = stored == Some(json!("live:ott:createFlow"));
            assert_eq!(untouched, !allowed, "{case}: policy {stored:?}");
            status
        }
        "list policies" => {
            call(s, Method::GET, "/switchboard/v1/policies", t, None)
                .await
                .0
        }
        "create key" => {
            let body = json!({"credential": {"user_id": target}});
            let (status, _) = call(s, Method::POST, keys, t, Some(body)).await;
            let listed = s.get(&format!("{keys}?user_id={target}")).await.body;
            assert_eq!(
                listed["credentials"].as_array().unwrap().len(),
                usize::from(allowed),
                "{case}"
            );
            status
        }
        "list keys" => {
            call(s, Method::GET, &format!("{keys}?user_id={target}"), t, None)
                .await
                .0
        }
        "show key" | "delete key" => {
            let made = s
                .post(keys, json!({"credential": {"user_id": target}}))
                .await;
            let ak = made.body["credential"]["access"]
                .as_str()
                .unwrap()
                .to_string();
            let m = if route == "show key" {
                Method::GET
            } else {
                Method::DELETE
            };
            let (status, _) = call(s, m, &format!("{keys}/{ak}"), t, None).await;
            let left = s.get(&format!("{keys}/{ak}")).await.status == StatusCode::OK;
            assert_eq!(left, route == "show key" || !allowed, "{case}: key left");
            status
        }
        "validate token" | "revoke token" => {
            let theirs = token(s, &format!("target{n}"), PASSWORD, project).await;
            let m = if route == "validate token" {
                Method::GET
            } else {
                Method::DELETE
            };
            let status = subject(s, m, t, &theirs).await;
            let valid = subject(s, Method::GET, &s.token, &theirs).await == 200;
            assert_eq!(
                valid,
                route == "validate token" || !allowed,
                "{case}: token valid"
            );
            status
        }
        other => panic!("unknown route {other}"),
    }
}
