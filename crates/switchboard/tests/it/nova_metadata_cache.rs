//! Server metadata is served from memory: every edit shows on the next server show, a reset
//! and a snapshot restore bring the metadata they write, and edits survive a restart of the
//! real binary (the memory is loaded from the store at start).

use crate::common;

use common::binary::{self, free_port, Server};
use common::state::{export, import, RESET};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

fn show() -> String {
    format!("/v2.1/{PROJECT}/servers/{DB01}")
}

fn meta() -> String {
    format!("{}/metadata", show())
}

async fn shown(s: &TestServer) -> Value {
    let r = s.get(&show()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["server"]["metadata"].clone()
}

async fn put(s: &TestServer, items: Value) {
    let body = json!({ "metadata": items });
    let r = s
        .call(Method::PUT, &meta(), Some(&s.token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn every_edit_shows_at_once_and_a_reset_and_a_restore_write_theirs() {
    let s = TestServer::start(|c| {
        c.servers[0].attrs["metadata"] = json!({"role": "db"});
    })
    .await;
    assert_eq!(shown(&s).await, json!({"role": "db"}));
    let before = export(&s).await;
    for i in 0..5 {
        put(&s, json!({ "n": i.to_string() })).await;
        assert_eq!(shown(&s).await, json!({ "n": i.to_string() }));
    }
    let key = format!("{}/n", meta());
    let r = s.call(Method::DELETE, &key, Some(&s.token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(shown(&s).await, json!({}));

    // A reset puts the inventory's metadata back.
    put(&s, json!({"owner": "ops"})).await;
    let r = s.post(RESET, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(shown(&s).await, json!({"role": "db"}));

    // A restore writes the snapshot's rows (here: none, so the inventory's again).
    put(&s, json!({"owner": "dev"})).await;
    let r = import(&s, before).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(shown(&s).await, json!({"role": "db"}));

    // And a snapshot that holds a row restores that row.
    put(&s, json!({"kept": "yes"})).await;
    let with_row = export(&s).await;
    put(&s, json!({"kept": "no"})).await;
    let r = import(&s, with_row).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(shown(&s).await, json!({"kept": "yes"}));
}

#[tokio::test]
async fn metadata_edits_survive_a_restart_of_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(dir.path(), port).await;
    let token = binary::token(&server.base).await;
    let r = reqwest::Client::new()
        .put(format!("{}{}", server.base, meta()))
        .header("X-Auth-Token", &token)
        .json(&json!({"metadata": {"zone": "b"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let body = binary::get(&server.base, &token, &show()).await;
    assert_eq!(body["server"]["metadata"], json!({"zone": "b"}));
    server.kill9();

    let server = Server::start(dir.path(), port).await;
    let token = binary::token(&server.base).await;
    let body = binary::get(&server.base, &token, &show()).await;
    assert_eq!(body["server"]["metadata"], json!({"zone": "b"}));
    let body = binary::get(&server.base, &token, &meta()).await;
    assert_eq!(body, json!({"metadata": {"zone": "b"}}));
}
