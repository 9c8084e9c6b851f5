//! Keystone's read routes through HTTP, for a plain member, a project administrator and a system
//! administrator: what each sees, and another project's or user's id reading exactly like an
//! unknown one.

use crate::common;

use common::identity::{server, OTHER};
use common::{token_body, TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A token of `user` scoped to `project`, and the user's id.
async fn login(s: &TestServer, user: &str, password: &str, project: &str) -> (String, String) {
    let body = token_body(user, password, json!({"project": {"id": project}}));
    let r = s
        .call(Method::POST, "/v3/auth/tokens", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.headers["x-subject-token"].to_str().unwrap().to_string();
    (
        token,
        r.body["token"]["user"]["id"].as_str().unwrap().to_string(),
    )
}

async fn get(s: &TestServer, path: &str, token: &str) -> (StatusCode, Value) {
    let r = s.call(Method::GET, path, Some(token), None).await;
    (r.status, r.body)
}

fn not_found(kind: &str, id: &str) -> Value {
    json!({"error": {"code": 404, "message": format!("Could not find {kind}: {id}."), "title": "Not Found"}})
}

fn names(list: &Value) -> Vec<String> {
    let mut n: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn a_member_sees_its_projects_and_itself_only() {
    let s = server().await;
    let (vera, vera_id) = login(&s, "vera", "Vera-Password-1", PROJECT).await;
    let (_, alice_id) = login(&s, "alice", "Alice-Password-1", OTHER).await;

    let (status, body) = get(&s, &format!("/v3/projects/{PROJECT}"), &vera).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["project"]["name"], "local-1");
    assert_eq!(body["project"]["enabled"], true);
    assert_eq!(
        body["project"]["links"]["self"],
        format!("{}/v3/projects/{PROJECT}", s.base)
    );
    let (_, body) = get(&s, &format!("/identity/v3/projects/{PROJECT}"), &vera).await;
    assert_eq!(
        body["project"]["links"]["self"],
        format!("{}/identity/v3/projects/{PROJECT}", s.base)
    );
    // Another project's id and an unknown one: the same answer.
    for id in [OTHER, "0123456789abcdef0123456789abcdef"] {
        let (status, body) = get(&s, &format!("/v3/projects/{id}"), &vera).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, not_found("project", id));
    }

    let (status, body) = get(&s, "/v3/auth/projects", &vera).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(names(&body["projects"]), ["local-1"]);
    assert_eq!(
        body["links"]["self"],
        format!("{}/v3/auth/projects", s.base)
    );
    let (_, body) = get(&s, "/v3/auth/projects?name=other-1", &vera).await;
    assert_eq!(body["projects"], json!([]));
    let (_, body) = get(&s, "/v3/auth/projects?enabled=false", &vera).await;
    assert_eq!(body["projects"], json!([]));
    let (_, body) = get(&s, "/v3/auth/domains", &vera).await;
    assert_eq!(names(&body["domains"]), ["switchboard"]);
    let (_, body) = get(&s, "/v3/auth/system", &vera).await;
    assert_eq!(body["system"], json!([]));
    let (status, body) = get(&s, "/v3/auth/catalog", &vera).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let compute = body["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "compute")
        .unwrap();
    assert_eq!(
        compute["endpoints"][0]["url"],
        format!("{}/compute/v2.1/{PROJECT}", s.base)
    );

    let (status, body) = get(&s, &format!("/v3/users/{vera_id}"), &vera).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["name"], "vera");
    let (_, body) = get(&s, &format!("/v3/users/{vera_id}/projects"), &vera).await;
    assert_eq!(names(&body["projects"]), ["local-1"]);
    for id in [alice_id.as_str(), "no-such-user"] {
        for path in [
            format!("/v3/users/{id}"),
            format!("/v3/users/{id}/projects"),
        ] {
            let (status, body) = get(&s, &path, &vera).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(body, not_found("user", id));
        }
    }

    // Administrators' lists are refused in Keystone's words.
    for (path, rule) in [
        ("/v3/users", "identity:list_users"),
        ("/v3/domains", "identity:list_domains"),
        ("/v3/roles", "identity:list_roles"),
        ("/v3/services", "identity:list_services"),
        ("/v3/endpoints", "identity:list_endpoints"),
        ("/v3/services/compute-svc", "identity:get_service"),
        ("/v3/role_assignments", "identity:list_role_assignments"),
    ] {
        let (status, body) = get(&s, path, &vera).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            body["error"]["message"],
            format!("You are not authorized to perform the requested action: {rule}.")
        );
    }
    // Its own domain and the region are readable.
    let (_, body) = get(&s, "/v3/auth/domains", &vera).await;
    let domain = body["domains"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = get(&s, &format!("/v3/domains/{domain}"), &vera).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get(&s, "/v3/domains/nowhere", &vera).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, not_found("domain", "nowhere"))
    );
    let (_, body) = get(&s, "/v3/regions", &vera).await;
    assert_eq!(body["regions"][0]["id"], "local-1");
    let (status, body) = get(&s, "/v3/regions/mars", &vera).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, not_found("region", "mars"))
    );
}

#[tokio::test]
async fn a_project_administrator_sees_its_project_and_its_users() {
    let s = server().await;
    let (alice, alice_id) = login(&s, "alice", "Alice-Password-1", OTHER).await;
    let (_, vera_id) = login(&s, "vera", "Vera-Password-1", PROJECT).await;
    let (status, body) = get(&s, &format!("/v3/projects/{OTHER}"), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = get(&s, &format!("/v3/projects/{PROJECT}"), &alice).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, not_found("project", PROJECT))
    );
    let (status, body) = get(&s, "/v3/users", &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The bootstrap admin holds a role in every project.
    assert_eq!(names(&body["users"]), ["admin", "alice"]);
    let (status, body) = get(&s, &format!("/v3/users/{vera_id}"), &alice).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, not_found("user", &vera_id))
    );
    let (_, body) = get(&s, &format!("/v3/users/{alice_id}/projects"), &alice).await;
    assert_eq!(names(&body["projects"]), ["other-1"]);
    // Role assignments: only those in the projects alice administers.
    let (status, body) = get(&s, "/v3/role_assignments", &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let assignments = body["role_assignments"].as_array().unwrap();
    assert!(!assignments.is_empty());
    assert!(assignments
        .iter()
        .all(|a| a["scope"]["project"]["id"] == OTHER));
    let (_, body) = get(
        &s,
        &format!("/v3/role_assignments?user.id={alice_id}"),
        &alice,
    )
    .await;
    assert_eq!(body["role_assignments"][0]["role"]["id"], "admin");
    assert_eq!(
        body["role_assignments"][0]["links"]["assignment"],
        format!(
            "{}/v3/projects/{OTHER}/users/{alice_id}/roles/admin",
            s.base
        )
    );
    let (_, body) = get(
        &s,
        &format!("/v3/role_assignments?user.id={vera_id}"),
        &alice,
    )
    .await;
    assert_eq!(body["role_assignments"], json!([]));
    let (status, body) = get(&s, "/v3/roles?name=viewer", &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(names(&body["roles"]), ["viewer"]);
}

#[tokio::test]
async fn a_system_administrator_sees_everything_and_filters_apply() {
    let s = server().await;
    let (_, vera_id) = login(&s, "vera", "Vera-Password-1", PROJECT).await;
    let (status, body) = get(&s, "/v3/users", &s.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        names(&body["users"]),
        ["admin", "alice", "lily", "otto", "vera"]
    );
    let (_, body) = get(&s, "/v3/users?name=vera", &s.token).await;
    assert_eq!(body["users"][0]["id"], vera_id.as_str());
    assert_eq!(body["users"].as_array().unwrap().len(), 1);
    let (_, body) = get(&s, &format!("/v3/users/{vera_id}/projects"), &s.token).await;
    assert_eq!(names(&body["projects"]), ["local-1"]);
    let (status, body) = get(&s, &format!("/v3/projects/{OTHER}"), &s.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = get(&s, "/v3/domains?name=switchboard", &s.token).await;
    assert_eq!(names(&body["domains"]), ["switchboard"]);
    let (_, body) = get(&s, "/v3/auth/system", &s.token).await;
    assert_eq!(body["system"], json!([{"all": true}]));

    let (_, body) = get(&s, "/v3/services?type=compute", &s.token).await;
    assert_eq!(names(&body["services"]), ["nova"]);
    let service = body["services"][0]["id"].as_str().unwrap().to_string();
    let (_, body) = get(&s, &format!("/v3/endpoints?service_id={service}"), &s.token).await;
    let endpoints = body["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 1);
    assert_eq!(
        endpoints[0]["url"],
        format!("{}/compute/v2.1/$(project_id)s", s.base)
    );
    let id = endpoints[0]["id"].as_str().unwrap();
    let (status, body) = get(&s, &format!("/v3/endpoints/{id}"), &s.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["endpoint"]["service_id"], service.as_str());
    let (status, body) = get(&s, "/v3/endpoints/nope", &s.token).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, not_found("endpoint", "nope"))
    );
    let (status, body) = get(&s, "/v3/services/nope", &s.token).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, not_found("service", "nope"))
    );
}

#[tokio::test]
async fn reads_need_a_valid_token_and_answer_keystones_401() {
    let s = TestServer::start(|_| {}).await;
    for token in [None, Some("sbt-not-a-token")] {
        for path in [
            "/v3/auth/projects",
            "/v3/users",
            "/identity/v3/regions",
            "/v3/auth/tokens",
        ] {
            let r = s.call(Method::GET, path, token, None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
            assert_eq!(r.body["error"]["code"], 401, "{path}: {}", r.body);
            assert!(r.headers.contains_key("www-authenticate"));
        }
    }
    // HEAD validates like GET, with no body.
    let r = s
        .client
        .head(format!("{}/identity/v3/auth/tokens", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-Subject-Token", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // An unscoped token has no catalog.
    let body = token_body("admin", common::PASSWORD, Value::Null);
    let r = s
        .call(Method::POST, "/v3/auth/tokens", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let unscoped = r.headers["x-subject-token"].to_str().unwrap();
    let (status, body) = get(&s, "/v3/auth/catalog", unscoped).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], 403);
    let (status, body) = get(&s, "/v3/auth/projects", unscoped).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
