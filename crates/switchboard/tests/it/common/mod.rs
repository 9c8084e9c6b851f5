//! A Switchboard server on a loopback port with a fresh data dir, and a client for it.
#![allow(dead_code)]

pub mod binary;
pub mod cli;
pub mod identity;
pub mod launch;
pub mod live;
pub mod nova;
pub mod postgres;
pub mod processes;
pub mod sdk_date;
pub mod signer;
pub mod sse;
pub mod state;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use switchboard::config::{Config, DEMO};

pub const PASSWORD: &str = "Test-Admin-Password-1";
pub const PROJECT: &str = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b";

pub struct TestServer {
    /// The server's state, for what only it can tell (the hashing pool's counters).
    pub state: switchboard_api::AppState,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub client: reqwest::Client,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestServer {
    /// The demo at 20× speed, adjusted by `tweak`.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::parse(DEMO, "demo").unwrap();
        config.data_dir = dir.path().to_path_buf();
        config.sim.speed = 20.0;
        config.engine.retry_backoff = Duration::from_millis(10);
        tweak(&mut config);
        config.validate().unwrap();
        let (state, app) = switchboard::serve::build(&config, Some(PASSWORD.into()))
            .await
            .unwrap();
        let addr = switchboard::http_server::spawn_on_loopback(app, &config.server).unwrap();
        let mut server = TestServer {
            state,
            base: format!("http://{addr}"),
            dir,
            client: reqwest::Client::new(),
            token: String::new(),
        };
        server.token = server
            .issue_token(json!({"project": {"id": PROJECT}}))
            .await;
        server
    }

    pub async fn issue_token(&self, scope: Value) -> String {
        let r = self
            .call(
                Method::POST,
                "/v3/auth/tokens",
                None,
                Some(token_body("admin", PASSWORD, scope)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.headers["x-subject-token"].to_str().unwrap().to_string()
    }

    /// A request with `token` (none when `None`) and a JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let raw = body.map(|b| b.to_string().into_bytes());
        self.raw(method, path, token, raw).await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if let Some(t) = token {
            req = req.header("X-Auth-Token", t);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, Some(&self.token), None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(&self.token), Some(body))
            .await
    }

    /// POST …/service/{name}/{op} with `only_self`; returns the command id.
    pub async fn operate(&self, service: &str, op: &str, only_self: bool) -> i64 {
        let r = self
            .post(
                &format!("/web/v1/maintain/cluster/1/service/{service}/{op}"),
                json!({"only_self": only_self}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["error_code"], 0);
        r.body["id"].as_i64().unwrap()
    }

    /// Polls the command until COMPLETE or FAILED, checking that progress never decreases.
    pub async fn wait_command(&self, id: i64) -> Value {
        let mut last = 0.0;
        for _ in 0..600 {
            let r = self
                .get(&format!("/web/v1/common/command/{id}/progress"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let progress = r.body["total_progress"].as_f64().unwrap();
            assert!(progress >= last, "progress went from {last} to {progress}");
            last = progress;
            if r.body["state"] != "IN_PROGRESS" {
                return r.body;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("command {id} did not finish");
    }

    pub async fn status_of(&self, service: &str) -> String {
        let r = self
            .get(&format!("/web/v1/cluster/1/services/{service}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let props = r.body["res_obj"]["key_property"].as_array().unwrap();
        let status = props.iter().find(|p| p["type"] == "STATUS").unwrap();
        status["value"].as_str().unwrap().to_string()
    }

    pub fn sim_log(&self) -> Vec<switchboard_drivers::sim::LogEntry> {
        switchboard_drivers::sim::read_log(&self.dir.path().join("sim")).unwrap()
    }
}

/// A response read whole: its body as JSON, as a string when it is not JSON, null when empty.
pub async fn reply(resp: reqwest::Response) -> Reply {
    let (status, headers) = (resp.status(), resp.headers().clone());
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub fn token_body(user: &str, password: &str, scope: Value) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"name": user, "password": password, "domain": {"name": "switchboard"}}}},
        "scope": scope
    }})
}

/// Names of the steps of a progress answer, in order.
pub fn step_names(progress: &Value) -> Vec<String> {
    progress["res_obj"]["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// `GET /switchboard/v1/resources` as the caller sees it, by resource name.
pub async fn resources_by_name(s: &TestServer) -> std::collections::HashMap<String, Value> {
    let r = s.get("/switchboard/v1/resources").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}
