//! What an operator reads: the real binary's log at the default level, as text and as JSON lines.
//! One line per request (id, principal, method, path without its query, status, latency) and the
//! lifecycle of every task (accepted, started, finished with the reason when it failed), each
//! carrying the id of the request that created it.

use crate::common;

use common::binary::{free_port, token, Server, PASSWORD};
use reqwest::Response;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// One log line: level, message and fields, whatever the format.
#[derive(Debug)]
struct Line {
    level: String,
    message: String,
    fields: HashMap<String, String>,
}

impl Line {
    fn get(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }
}

/// `2026-… INFO target: message key=value key="quoted value"` → a `Line`.
fn parse_text(line: &str) -> Option<Line> {
    let mut tokens = Vec::new();
    let (mut token, mut quoted, mut escaped) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            _ if escaped => {
                token.push(c);
                escaped = false;
            }
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !token.is_empty() {
                    tokens.push(std::mem::take(&mut token));
                }
            }
            _ => token.push(c),
        }
    }
    tokens.push(token);
    let level = tokens.get(1)?.clone();
    let (mut words, mut fields) = (Vec::new(), HashMap::new());
    for t in tokens.iter().skip(3) {
        match t.split_once('=') {
            Some((k, v)) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                fields.insert(k.to_string(), v.to_string());
            }
            _ => words.push(t.as_str()),
        }
    }
    Some(Line {
        level,
        message: words.join(" "),
        fields,
    })
}

/// One flat JSON object per line → a `Line`; `None` when the line is not JSON.
fn parse_json(line: &str) -> Option<Line> {
    let Value::Object(map) = serde_json::from_str(line).ok()? else {
        return None;
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(Line {
        level: text(map.get("level")?),
        message: text(map.get("message")?),
        fields: map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
    })
}

fn request_id(r: &Response) -> String {
    r.headers()["x-request-id"].to_str().unwrap().to_string()
}

/// What the run did, to be found in the log.
struct Facts {
    token: String,
    health: String,
    listing: String,
    started: (String, i64),
    failed: (String, i64),
}

async fn exercise(base: &str) -> Facts {
    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let token = token(base).await;
    // The query string may hold secrets: it is never logged.
    let listing = client
        .get(format!(
            "{base}/switchboard/v1/tasks?state=COMPLETE&limit=10&marker=query-secret-1"
        ))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    let mut tasks = Vec::new();
    // Hue needs DBService, which is stopped: the task fails, naming it. HDFS brings ZooKeeper up.
    for (service, only_self) in [("Hue", true), ("HDFS", false)] {
        let r = client
            .post(format!(
                "{base}/web/v1/maintain/cluster/1/service/{service}/start"
            ))
            .header("X-Auth-Token", &token)
            .json(&json!({ "only_self": only_self }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let rid = request_id(&r);
        let body: Value = r.json().await.unwrap();
        tasks.push((rid, body["id"].as_i64().unwrap()));
    }
    for (_, id) in &tasks {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let p: Value = client
                .get(format!("{base}/web/v1/common/command/{id}/progress"))
                .header("X-Auth-Token", &token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if p["state"] != "IN_PROGRESS" {
                break;
            }
            assert!(Instant::now() < deadline, "command {id} did not finish");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Facts {
        token,
        health: request_id(&health),
        listing: request_id(&listing),
        failed: tasks[0].clone(),
        started: tasks[1].clone(),
    }
}

/// Runs the binary with `extra` flags, exercises it, and checks its log with `parse`.
async fn check_log(extra: &[&str], parse: fn(&str) -> Option<Line>) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), free_port(), extra).await;
    let facts = exercise(&server.base).await;
    let log = read_log(dir.path(), "task finished", 2);
    drop(server);
    for secret in [PASSWORD, facts.token.as_str(), "query-secret-1", "limit=10"] {
        assert!(!log.contains(secret), "{secret:?} reached the log:\n{log}");
    }
    let lines: Vec<Line> = log.lines().filter_map(parse).collect();
    assert_eq!(
        lines.len(),
        log.lines().count(),
        "every line is in the format:\n{log}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.level != "DEBUG" && l.level != "TRACE"),
        "the default level is info:\n{log}"
    );
    let find = |message: &str, key: &str, value: &str| {
        lines
            .iter()
            .find(|l| l.message == message && l.get(key) == value)
            .unwrap_or_else(|| panic!("no {message:?} line with {key}={value}:\n{log}"))
    };

    let health = find("request", "request_id", &facts.health);
    assert_eq!(health.level, "INFO");
    assert_eq!(
        (health.get("principal"), health.get("method")),
        ("-", "GET")
    );
    assert_eq!(
        (health.get("path"), health.get("status")),
        ("/health", "200")
    );
    assert!(health.get("latency_ms").parse::<f64>().unwrap() >= 0.0);
    let listing = find("request", "request_id", &facts.listing);
    assert_eq!(listing.get("path"), "/switchboard/v1/tasks");
    assert_eq!(listing.get("principal"), "admin@default");

    let (rid, id) = &facts.started;
    let request = find("request", "request_id", rid);
    assert_eq!(request.get("principal"), "admin@default");
    assert_eq!(request.get("method"), "POST");
    assert_eq!(
        request.get("path"),
        "/web/v1/maintain/cluster/1/service/HDFS/start"
    );
    assert_eq!(request.get("status"), "200");
    for message in ["task accepted", "task started", "task finished"] {
        let line = find(message, "task", &id.to_string());
        assert_eq!(line.get("request_id"), rid, "{message}");
        assert_eq!(line.get("action"), "start", "{message}");
        assert_eq!(line.get("targets"), "mrs.1.HDFS", "{message}");
    }
    let accepted = find("task accepted", "task", &id.to_string());
    assert_eq!(accepted.get("principal"), "admin@default");
    let finished = find("task finished", "task", &id.to_string());
    assert_eq!(
        (finished.level.as_str(), finished.get("state")),
        ("INFO", "COMPLETE")
    );

    let (rid, id) = &facts.failed;
    let failed = find("task finished", "task", &id.to_string());
    assert_eq!(failed.get("request_id"), rid);
    assert_eq!(
        (failed.level.as_str(), failed.get("state")),
        ("WARN", "FAILED")
    );
    assert!(
        failed
            .get("reason")
            .contains("cannot start Hue: dependency"),
        "{failed:?}"
    );
}

/// The server's log once it holds `count` lines containing `marker`.
fn read_log(dir: &Path, marker: &str, count: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        if log.matches(marker).count() >= count || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn requests_and_task_lifecycles_are_logged_as_text_at_the_default_level() {
    check_log(&[], parse_text).await;
}

#[tokio::test]
async fn requests_and_task_lifecycles_are_logged_as_json_lines_with_log_format_json() {
    check_log(&["--log-format", "json"], parse_json).await;
}
