//! DBSS rename (`PUT …/db-om/{id}/name`), quota and version through HTTP; concurrent renames;
//! and API edits (a rename, a Live source and output) surviving a restart of the real binary.

use crate::common;

use common::binary::{self, free_port, Server};
use common::identity::{server, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const TEST: &str = "0f9e8d7c6b5a49382716059483726150";
const NEWS: &str = "ec897482-d24b-4d64-aa39-407980902b1d";

fn name_path(project: &str, id: &str) -> String {
    format!("/v1/{project}/db-om/{id}/name")
}

fn names(list: &Value) -> Vec<(String, String)> {
    list["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["instance_id"].as_str().unwrap().to_string();
            (id, c["name"].as_str().unwrap().to_string())
        })
        .collect()
}

fn assert_dbss_error(r: &common::Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error_code"], code, "{}", r.body);
    assert!(r.body["error_msg"].is_string());
}

#[tokio::test]
async fn a_rename_shows_in_the_list_and_bad_names_change_nothing() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let r = s
        .call(
            Method::PUT,
            &name_path(PROJECT, PROD),
            t,
            Some(json!({"new_name": "dbom-primary"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({"result": "success"}));
    let list = s
        .post(&format!("/v2/{PROJECT}/db-om/instances"), json!({}))
        .await;
    assert!(names(&list.body).contains(&(PROD.into(), "dbom-primary".into())));
    for body in [
        json!({"new_name": "abc"}),
        json!({"new_name": "1starts-with-digit"}),
        json!({"new_name": "has space"}),
        json!({"new_name": "x".repeat(65)}),
        json!({"new_name": 42}),
        json!({"new_name": null}),
        json!({}),
        json!([]),
    ] {
        let r = s
            .call(
                Method::PUT,
                &name_path(PROJECT, PROD),
                t,
                Some(body.clone()),
            )
            .await;
        assert_dbss_error(&r, StatusCode::BAD_REQUEST, "DBSS.10000001");
    }
    let malformed = s
        .raw(
            Method::PUT,
            &name_path(PROJECT, PROD),
            t,
            Some(b"{".to_vec()),
        )
        .await;
    assert_dbss_error(&malformed, StatusCode::BAD_REQUEST, "DBSS.10000001");
    let list = s
        .post(&format!("/v2/{PROJECT}/db-om/instances"), json!({}))
        .await;
    assert!(
        names(&list.body).contains(&(PROD.into(), "dbom-primary".into())),
        "unchanged"
    );
    let short = s
        .call(
            Method::PUT,
            &name_path(PROJECT, "abc"),
            t,
            Some(json!({"new_name": "dbom-x"})),
        )
        .await;
    assert_dbss_error(&short, StatusCode::BAD_REQUEST, "DBSS.10020021");
    let missing = s
        .call(
            Method::PUT,
            &name_path(PROJECT, &"f".repeat(32)),
            t,
            Some(json!({"new_name": "dbom-x"})),
        )
        .await;
    assert_dbss_error(&missing, StatusCode::NOT_FOUND, "DBSS.10021004");
    // Only `name` is writable under an instance.
    let other = s
        .call(
            Method::PUT,
            &format!("/v1/{PROJECT}/db-om/{PROD}/start"),
            t,
            Some(json!({})),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn concurrent_renames_leave_one_whole_name() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let path = name_path(PROJECT, TEST);
    let calls = (0..20).map(|i| {
        let (s, path) = (&s, path.clone());
        async move {
            s.call(
                Method::PUT,
                &path,
                t,
                Some(json!({"new_name": format!("dbom-renamed-{i}")})),
            )
            .await
        }
    });
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let list = s
        .post(&format!("/v2/{PROJECT}/db-om/instances"), json!({}))
        .await;
    let (_, name) = names(&list.body)
        .into_iter()
        .find(|(id, _)| id == TEST)
        .unwrap();
    assert!(name.starts_with("dbom-renamed-"), "{name}");
    let audit = s.get("/switchboard/v1/audit?limit=100").await;
    let renames = audit
        .body
        .to_string()
        .matches("dbss:instance:rename")
        .count();
    assert!(renames >= 20, "every rename is audited: {renames}");
}

#[tokio::test]
async fn quota_and_version() {
    let s = TestServer::start(|_| {}).await;
    let q = s.get(&format!("/v1/{PROJECT}/instance/quota")).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    assert_eq!(q.body["project_id"], PROJECT);
    assert_eq!(q.body["quota"], 8, "10 instances, 2 used");
    assert!(
        q.body["cpu"].is_i64() && q.body["ram"].is_i64(),
        "{}",
        q.body
    );
    let v = s.get(&format!("/v1/{PROJECT}/version")).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    assert!(v.body["version"].is_string());
    let short = s.get("/v1/abc/instance/quota").await;
    assert_dbss_error(&short, StatusCode::BAD_REQUEST, "DBSS.10020021");
    let anon = s
        .call(Method::GET, &format!("/v1/{PROJECT}/version"), None, None)
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_projects_instances_read_like_unknown_ones() {
    let s = server().await;
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let body = Some(json!({"new_name": "stolen-name"}));
    let existing = s
        .call(
            Method::PUT,
            &name_path(OTHER, PROD),
            Some(&alice),
            body.clone(),
        )
        .await;
    let unknown = s
        .call(
            Method::PUT,
            &name_path(OTHER, &"f".repeat(32)),
            Some(&alice),
            body.clone(),
        )
        .await;
    assert_dbss_error(&existing, StatusCode::NOT_FOUND, "DBSS.10021004");
    assert_eq!(
        existing.body.to_string().replace(PROD, "ID"),
        unknown.body.to_string().replace(&"f".repeat(32), "ID")
    );
    let wrong = s
        .call(
            Method::PUT,
            &name_path(PROJECT, PROD),
            Some(&alice),
            body.clone(),
        )
        .await;
    assert_dbss_error(&wrong, StatusCode::FORBIDDEN, "APIGW.0302");
    let q = s
        .call(
            Method::GET,
            &format!("/v1/{OTHER}/instance/quota"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(q.body["quota"], 10, "{}", q.body);
    let viewer = token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let r = s
        .call(Method::PUT, &name_path(PROJECT, PROD), Some(&viewer), body)
        .await;
    assert_dbss_error(&r, StatusCode::FORBIDDEN, "APIGW.0302");
    let list = s
        .post(&format!("/v2/{PROJECT}/db-om/instances"), json!({}))
        .await;
    assert!(
        names(&list.body).contains(&(PROD.into(), "dbom-prod".into())),
        "unchanged"
    );
}

async fn put(base: &str, token: &str, path: &str, body: Value) -> StatusCode {
    reqwest::Client::new()
        .put(format!("{base}{path}"))
        .header("X-Auth-Token", token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn edits_survive_a_restart_of_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = Server::start(dir.path(), port).await;
    let tok = binary::token(&first.base).await;
    let renamed = put(
        &first.base,
        &tok,
        &name_path(PROJECT, PROD),
        json!({"new_name": "dbom-kept"}),
    )
    .await;
    assert_eq!(renamed, StatusCode::OK);
    let source = format!("/v1/{PROJECT}/flows/sources?flow_id={NEWS}&source_name=news-in");
    let modified = put(
        &first.base,
        &tok,
        &source,
        json!({"source": {"min_latency": 77}}),
    )
    .await;
    assert_eq!(modified, StatusCode::OK);
    let created = reqwest::Client::new()
        .post(format!(
            "{}/v1/{PROJECT}/flows/outputs?flow_id={NEWS}",
            first.base
        ))
        .header("X-Auth-Token", &tok)
        .json(&json!([{"name": "kept", "protocol": "srt-listener", "port": 9400}]))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    first.kill9();

    let second = Server::start(dir.path(), port).await;
    let tok = binary::token(&second.base).await;
    let list = binary::post(
        &second.base,
        &tok,
        &format!("/v2/{PROJECT}/db-om/instances"),
        json!({}),
    )
    .await;
    assert!(
        names(&list).contains(&(PROD.into(), "dbom-kept".into())),
        "{list}"
    );
    let detail = binary::get(
        &second.base,
        &tok,
        &format!("/v1/{PROJECT}/flows/detail?flow_id={NEWS}"),
    )
    .await;
    assert_eq!(detail["sources"][0]["min_latency"], 77, "{detail}");
    assert_eq!(
        detail["sources"][0]["description"], "news studio uplink",
        "the rest of the seed"
    );
    assert_eq!(detail["outputs"][1]["name"], "kept", "{detail}");
}
