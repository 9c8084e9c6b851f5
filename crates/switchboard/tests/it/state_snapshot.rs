//! State snapshots: export → change → restore → export is byte-for-byte the first export; a
//! restored state survives a restart; `serve --snapshot` starts from one; bad documents are
//! refused with nothing changed.

use crate::common;

use common::binary::{self, free_port, Server};
use common::live::flows;
use common::state::{export, flow, import, newest_task, states, PROD, RESET, SNAPSHOT};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn dbss(s: &TestServer, op: &str) {
    let path = format!("/v1/{PROJECT}/db-om/{PROD}/{op}");
    let r = s.raw(Method::POST, &path, Some(&s.token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = newest_task(s).await["id"].as_i64().unwrap();
    let end = s
        .state
        .engine
        .wait(id, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(end.unwrap().as_str(), "COMPLETE");
}

/// Starts things, adds a rule, creates a flow.
async fn mutate(s: &TestServer) {
    dbss(s, "start").await;
    let rules = json!([{"id": "later", "action": "dbss:instance:start", "times": 3,
        "error": {"statusCode": 500, "code": "DBSS.00000001"}}]);
    let r = s
        .call(
            Method::POST,
            "/switchboard/v1/faults",
            Some(&s.token),
            Some(rules),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .call(
            Method::POST,
            &flows(""),
            Some(&s.token),
            Some(flow("flow-y")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn export_change_restore_export_is_byte_for_byte_the_same() {
    let s = TestServer::start(|_| {}).await;
    // Some history first, so that the snapshot holds tasks, audit and a fault rule.
    dbss(&s, "start").await;
    dbss(&s, "stop").await;
    let rules = json!([{"id": "kept", "action": "nova:server:reboot", "times": 1,
        "error": {"statusCode": 500, "code": "x"}}]);
    s.call(
        Method::POST,
        "/switchboard/v1/faults",
        Some(&s.token),
        Some(rules),
    )
    .await;
    let first = export(&s).await;
    let before = states(&s).await;
    let doc: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(doc["format"], "switchboard-snapshot");
    assert_eq!(doc["version"], 1);
    assert!(doc["tables"]["tasks"].as_array().unwrap().len() >= 2);
    assert!(
        doc["tables"].get("users").is_none(),
        "identity only when asked"
    );

    mutate(&s).await;
    assert_ne!(states(&s).await, before);
    let clock = Instant::now();
    let r = import(&s, first.clone()).await;
    println!(
        "restore took {:?} ({} ms at the server)",
        clock.elapsed(),
        r.body["restored"]["took_ms"]
    );
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = export(&s).await;
    assert!(
        first == second,
        "the export differs after a restore:\n{}\n{}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );
    assert_eq!(states(&s).await, before);
    let rules = s.get("/switchboard/v1/faults").await.body;
    assert_eq!(rules[0]["id"], "kept", "{rules}");
    // The restored world runs.
    dbss(&s, "start").await;
    let audit = s
        .get("/switchboard/v1/audit?action=switchboard:state:import")
        .await;
    assert_eq!(
        audit.body["records"].as_array().unwrap().len(),
        1,
        "restores are audited"
    );
}

#[tokio::test]
async fn bad_snapshots_are_refused_with_nothing_changed() {
    let s = TestServer::start(|c| c.api.snapshot_max_bytes = 64 << 10).await;
    mutate(&s).await;
    let first = export(&s).await;
    let doc: Value = serde_json::from_slice(&first).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        serde_json::to_vec(&d).unwrap()
    };
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"{oops".to_vec(), 400, "malformed"),
        (with(&|d| d["format"] = json!("other")), 400, "format"),
        (with(&|d| d["version"] = json!(2)), 400, "version"),
        (
            with(&|d| {
                d["tables"]
                    .as_object_mut()
                    .unwrap()
                    .remove("tasks")
                    .map(|_| ())
                    .unwrap()
            }),
            400,
            "tables.tasks",
        ),
        (
            with(&|d| d["tables"]["tasks"][0]["state"] = json!("DANCING")),
            400,
            "tables.tasks[0].state",
        ),
        (
            with(&|d| d["tables"]["tasks"][0]["bogus"] = json!(1)),
            400,
            "tables.tasks[0].bogus",
        ),
        (
            with(&|d| d["tables"]["resources"][0]["updated_at"] = json!("soon")),
            400,
            "tables.resources[0].updated_at",
        ),
        (
            with(&|d| d["tables"]["resources"][0]["id"] = json!("not-ours")),
            409,
            "not-ours",
        ),
        (vec![b' '; 70 << 10], 413, "max_bytes"),
    ];
    for (body, status, needle) in cases {
        let r = import(&s, body).await;
        assert_eq!(r.status.as_u16(), status, "{needle}: {}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{needle}: {message}");
        assert!(export(&s).await == first, "{needle}: nothing changed");
    }
    // Viewers and project administrators may not export or restore.
    let vera = common::identity::server().await;
    let t = common::identity::token(&vera, "vera", "Vera-Password-1", PROJECT).await;
    assert_eq!(
        vera.raw(Method::GET, SNAPSHOT, Some(&t), None).await.status,
        StatusCode::FORBIDDEN
    );
    let t =
        common::identity::token(&vera, "alice", "Alice-Password-1", common::identity::OTHER).await;
    assert_eq!(
        vera.raw(Method::GET, SNAPSHOT, Some(&t), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vera.raw(Method::PUT, SNAPSHOT, Some(&t), Some(first))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn identity_is_exported_on_request_as_stored() {
    let s = TestServer::start(|_| {}).await;
    let r = s.get(&format!("{SNAPSHOT}?identity=true")).await;
    assert_eq!(r.status, StatusCode::OK);
    let users = r.body["tables"]["users"].as_array().unwrap();
    let hash = users[0]["password_hash"].as_str().unwrap();
    assert!(hash.starts_with("$argon2id$"), "hashes only");
    assert!(r.body["tables"].get("tokens").is_none(), "never sessions");
    let r = s
        .raw(
            Method::PUT,
            SNAPSHOT,
            Some(&s.token),
            Some(r.body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        s.get("/switchboard/v1/session").await.status,
        StatusCode::OK,
        "the caller's token survives"
    );
}

fn tables_but_audit(bytes: &[u8]) -> Value {
    let mut doc: Value = serde_json::from_slice(bytes).unwrap();
    doc["tables"].as_object_mut().unwrap().remove("audit");
    doc
}

async fn export_from(base: &str, token: &str) -> Vec<u8> {
    let r = reqwest::Client::new()
        .get(format!("{base}{SNAPSHOT}"))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_restored_state_survives_a_restart_and_serve_snapshot_starts_from_one() {
    let s = TestServer::start(|_| {}).await;
    dbss(&s, "start").await;
    let snapshot = export(&s).await;
    let file = s.dir.path().join("snap.json");
    std::fs::write(&file, &snapshot).unwrap();

    // A fresh server restores it through the API, then restarts.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(dir.path(), port).await;
    let token = binary::token(&server.base).await;
    let r = reqwest::Client::new()
        .put(format!("{}{SNAPSHOT}", server.base))
        .header("X-Auth-Token", &token)
        .body(snapshot.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    drop(server);
    let server = Server::start(dir.path(), port).await;
    let token = binary::token(&server.base).await;
    let after = export_from(&server.base, &token).await;
    assert_eq!(tables_but_audit(&after), tables_but_audit(&snapshot));
    drop(server);

    // `serve --snapshot FILE` on another fresh data dir.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server =
        Server::start_with(dir.path(), port, &["--snapshot", file.to_str().unwrap()]).await;
    let token = binary::token(&server.base).await;
    let started = export_from(&server.base, &token).await;
    assert_eq!(tables_but_audit(&started), tables_but_audit(&snapshot));
    let r = binary::post(&server.base, &token, RESET, json!({})).await;
    assert!(r["reset"]["resources"].as_u64().unwrap() > 0, "{r}");
}
