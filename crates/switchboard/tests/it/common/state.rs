//! Helpers of the reset and snapshot tests.

use super::TestServer;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

pub const RESET: &str = "/switchboard/v1/state/reset";
pub const SNAPSHOT: &str = "/switchboard/v1/state/snapshot";
pub const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// Every resource's (state, name) by id.
pub async fn states(s: &TestServer) -> BTreeMap<String, (String, String)> {
    let r = s.get("/switchboard/v1/resources").await;
    r.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap().to_string();
            let state = r["state"].as_str().unwrap().to_string();
            (id, (state, r["name"].as_str().unwrap().to_string()))
        })
        .collect()
}

pub fn flow(name: &str) -> Value {
    json!({"name": name, "region": "cn-north-4", "sources": [
        {"name": "in", "protocol": "srt-caller", "source_listener_address": "198.51.100.7",
         "source_listener_port": 9100, "min_latency": 500, "cidr_whitelist": ["198.51.100.0/24"],
         "decryption": {"algorithm": "aes256", "key_type": "srt-password", "passphrase": "correct horse battery"}}
    ]})
}

/// Waits until the newest task is in one of `states`.
pub async fn newest_task(s: &TestServer) -> Value {
    for _ in 0..300 {
        let t = s.get("/switchboard/v1/tasks").await.body;
        if let Some(t) = t["tasks"].as_array().and_then(|a| a.first()) {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no task")
}

/// The snapshot's bytes, as exported.
pub async fn export(s: &TestServer) -> Vec<u8> {
    let r = s
        .client
        .get(format!("{}{SNAPSHOT}", s.base))
        .header("X-Auth-Token", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

pub async fn import(s: &TestServer, body: Vec<u8>) -> super::Reply {
    s.raw(Method::PUT, SNAPSHOT, Some(&s.token), Some(body))
        .await
}
