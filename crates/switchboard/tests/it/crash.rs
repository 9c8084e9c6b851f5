//! Crash safety with the real binary: `kill -9` mid-operation, restart on the same data dir
//! (and, on PostgreSQL, the same database). Each test runs on both stores.

use crate::common;

use common::binary::{free_port, get, post, token, Server, PASSWORD, PROJECT};
use common::postgres::{on_both_stores, Backend};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use switchboard_core::Action;

on_both_stores!(
    accepted_command,
    an_accepted_command_survives_kill_9_and_nothing_runs_twice,
    on_postgresql_an_accepted_command_survives_kill_9_and_nothing_runs_twice
);
on_both_stores!(
    batch_reboot,
    a_batch_reboot_survives_kill_9_and_no_server_reboots_twice,
    on_postgresql_a_batch_reboot_survives_kill_9_and_no_server_reboots_twice
);
on_both_stores!(
    answered_cancel,
    a_cancel_answered_survives_kill_9,
    on_postgresql_a_cancel_answered_survives_kill_9
);

async fn accepted_command(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start_with(dir.path(), port, &backend.args()).await;
    let tok = token(&server.base).await;
    let r = post(
        &server.base,
        &tok,
        "/web/v1/maintain/cluster/1/service/Spark/start",
        json!({"only_self": false}),
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["state"], "IN_PROGRESS");

    // Wait until the command is part-way: some steps done, others not yet.
    let progress_path = format!("/web/v1/common/command/{id}/progress");
    let deadline = Instant::now() + Duration::from_secs(30);
    let unfinished: Vec<String> = loop {
        let p = get(&server.base, &tok, &progress_path).await;
        let steps = p["res_obj"]["step_list"].as_array().unwrap().clone();
        let done = steps.iter().filter(|s| s["state"] == "DONE").count();
        if done >= 2 && steps.iter().any(|s| s["state"] == "RUNNING") {
            break steps
                .iter()
                .filter(|s| s["state"] != "DONE")
                .map(service_of)
                .collect();
        }
        assert!(done < steps.len(), "finished before the crash could happen");
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    server.kill9();

    let server = Server::start_with(dir.path(), port, &backend.args()).await;
    let tok = token(&server.base).await;
    // Resumed with their claims: a service whose step had not ended shows as starting again
    // (or running, if its resumed step has ended since).
    let listed = get(&server.base, &tok, "/switchboard/v1/resources?limit=1000").await;
    for svc in &unfinished {
        let id = format!("mrs.1.{svc}");
        let r = listed["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap();
        assert!(r["state"] == "starting" || r["state"] == "running", "{r}");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let p = get(&server.base, &tok, &progress_path).await;
        if p["state"] != "IN_PROGRESS" {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "command never finished after restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let planned: Vec<String> = done["res_obj"]["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(service_of)
        .collect();
    assert_eq!(planned.len(), 7);
    for svc in &planned {
        let summary = get(
            &server.base,
            &tok,
            &format!("/web/v1/cluster/1/services/{svc}"),
        )
        .await;
        let status = summary["res_obj"]["key_property"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == "STATUS")
            .unwrap()["value"]
            .clone();
        assert_eq!(status, "Normal", "{svc}");
    }
    let log = backend.sim_log(dir.path()).await;
    for svc in &planned {
        let starts = log
            .iter()
            .filter(|e| e.resource == format!("mrs.1.{svc}") && e.action == Action::Start)
            .count();
        assert_eq!(starts, 1, "{svc} was started {starts} times");
    }
    assert_eq!(log.len(), planned.len());
    let server_log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(
        server_log.contains("resuming task after restart"),
        "{server_log}"
    );
    assert!(
        !server_log.contains(PASSWORD) && !server_log.contains(&tok),
        "a secret reached the log"
    );
}

/// The demo plus four servers whose reboot takes three times as long as the demo's two.
/// The service an MRS progress step starts ("Start HDFS").
fn service_of(step: &Value) -> String {
    let name = step["name"].as_str().unwrap();
    name.trim_start_matches("Start ").to_string()
}

fn config_with_more_servers(dir: &Path) -> std::path::PathBuf {
    let mut text = include_str!("../../../../switchboard.example.toml").to_string();
    for i in 1..=4 {
        text.push_str(&format!(
            "\n[[servers]]\nid = \"00000000-0000-4000-8000-00000000000{i}\"\nproject = \"local-1\"\n\
             name = \"bms-extra-0{i}\"\nstate = \"running\"\nconfig = {{ restart = \"6s\" }}\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn job_status(base: &str, token: &str, job: &str) -> Value {
    get(base, token, &format!("/v1/{PROJECT}/jobs/{job}")).await
}

async fn batch_reboot(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_with_more_servers(config_dir.path());
    let mut args = vec!["--config", config.to_str().unwrap()];
    args.extend(backend.args());
    let port = free_port();
    let server = Server::start_with(dir.path(), port, &args).await;
    let tok = token(&server.base).await;
    let ids: Vec<String> = [
        "95bf2490-5428-432c-ad9b-5e3406f869dd",
        "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain((1..=4).map(|i| format!("00000000-0000-4000-8000-00000000000{i}")))
    .collect();
    let servers: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    let r = post(
        &server.base,
        &tok,
        &format!("/v1/{PROJECT}/baremetalservers/action"),
        json!({"reboot": {"type": "HARD", "servers": servers}}),
    )
    .await;
    let job = r["job_id"].as_str().unwrap().to_string();

    // Kill once the two quick reboots are done and the four slow ones are still running.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let j = job_status(&server.base, &tok, &job).await;
        let subs = j["entities"]["sub_jobs"].as_array().unwrap().clone();
        let done = subs.iter().filter(|s| s["status"] == "SUCCESS").count();
        let running = subs.iter().filter(|s| s["status"] == "RUNNING").count();
        if done == 2 && running == 4 {
            assert_eq!(j["status"], "RUNNING");
            break;
        }
        assert!(done < 6, "finished before the crash could happen: {j}");
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill9();

    let server = Server::start_with(dir.path(), port, &args).await;
    let tok = token(&server.base).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let j = job_status(&server.base, &tok, &job).await;
        if j["status"] != "RUNNING" && j["status"] != "INIT" {
            break j;
        }
        assert!(
            Instant::now() < deadline,
            "job never finished after restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["status"], "SUCCESS", "{done}");
    let log = backend.sim_log(dir.path()).await;
    for id in &ids {
        let reboots = log
            .iter()
            .filter(|e| &e.resource == id && e.action == Action::Restart)
            .count();
        assert_eq!(reboots, 1, "{id} was rebooted {reboots} times");
    }
    let first = log.iter().map(|e| e.at_ms).min().unwrap();
    let last = log.iter().map(|e| e.at_ms).max().unwrap();
    assert!(
        last - first < 500,
        "the six reboots began together (spread {} ms)",
        last - first
    );
}

async fn answered_cancel(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start_with(dir.path(), port, &backend.args()).await;
    let tok = token(&server.base).await;
    let client = reqwest::Client::new();
    let r = post(
        &server.base,
        &tok,
        "/web/v1/maintain/cluster/1/service/Spark/start",
        json!({"only_self": false}),
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    let cancel = client
        .post(format!("{}/switchboard/v1/tasks/{id}/cancel", server.base))
        .header("X-Auth-Token", &tok)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 202);
    server.kill9();

    let server = Server::start_with(dir.path(), port, &backend.args()).await;
    let tok = token(&server.base).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let task = loop {
        let t = get(&server.base, &tok, &format!("/switchboard/v1/tasks/{id}")).await;
        if t["state"] != "IN_PROGRESS" {
            break t;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(task["state"], "CANCELLED", "{task}");
    let log = backend.sim_log(dir.path()).await;
    assert!(
        log.iter().all(|e| e.resource != "mrs.1.Spark"),
        "Spark was started after the cancel: {log:?}"
    );
}
