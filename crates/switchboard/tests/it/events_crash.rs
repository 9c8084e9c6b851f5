//! The event stream across `kill -9` of the real binary: a client that resumes with
//! `Last-Event-ID` gets every event committed since, up to the task's end, and none twice.
//! On both stores.

use crate::common;

use common::binary::{free_port, post, token, Server};
use common::postgres::{on_both_stores, Backend};
use common::sse::Events;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

on_both_stores!(
    resuming_after_kill_9,
    resuming_with_last_event_id_after_kill_9_misses_nothing_and_repeats_nothing,
    on_postgresql_resuming_with_last_event_id_after_kill_9_misses_nothing_and_repeats_nothing
);

async fn resuming_after_kill_9(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start_with(dir.path(), port, &backend.args()).await;
    let tok = token(&server.base).await;
    let mut stream = Events::open(&server.base, &tok, "", None).await;
    let r = post(
        &server.base,
        &tok,
        "/web/v1/maintain/cluster/1/service/Spark/start",
        json!({"only_self": false}),
    )
    .await;
    let task = r["id"].as_i64().unwrap();

    // Part-way: some steps finished, and the task not.
    let mut before = Vec::new();
    while before
        .iter()
        .filter(|e: &&common::sse::Received| e.kind == "step.finished")
        .count()
        < 2
    {
        let e = stream.next(Duration::from_secs(30)).await.expect("events");
        assert_ne!(e.kind, "task.finished", "finished before the crash");
        before.push(e);
    }
    server.kill9();
    drop(stream);

    let server = Server::start_with(dir.path(), port, &backend.args()).await;
    let tok = token(&server.base).await;
    let last = before.last().unwrap().id.to_string();
    let mut resumed = Events::open(&server.base, &tok, "", Some(&last)).await;
    let after = resumed.until_finished(task).await;

    let all: Vec<_> = before.iter().chain(&after).collect();
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "duplicates or disorder: {ids:?}"
    );
    assert_eq!(all[0].kind, "task.created");
    let steps = all[0].data["task"]["steps"].as_array().unwrap().len();
    assert_eq!(steps, 7, "Spark starts with its dependencies");
    let mut finished = HashMap::new();
    let mut started = HashMap::new();
    for e in &all {
        let idx = e.data["step"]["index"].as_u64();
        match (e.kind.as_str(), idx) {
            ("step.finished", Some(i)) => *finished.entry(i).or_insert(0) += 1,
            ("step.started", Some(i)) => *started.entry(i).or_insert(0) += 1,
            _ => {}
        }
    }
    assert_eq!(
        finished.len(),
        steps,
        "every step's end is seen: {finished:?}"
    );
    assert!(finished.values().all(|&n| n == 1), "{finished:?}");
    assert!(started.values().all(|&n| n == 1), "{started:?}");
    let end = &after.last().unwrap().data["task"];
    assert_eq!(end["state"], "COMPLETE", "{end}");
}

#[tokio::test]
async fn sigterm_ends_open_streams_instead_of_waiting_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), free_port()).await;
    let tok = token(&server.base).await;
    let mut stream = Events::open(&server.base, &tok, "", None).await;
    let pid = nix::unistd::Pid::from_raw(server.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    // The stream ends (a graceful shutdown waits for responses in progress: not for this one).
    assert!(stream.next(Duration::from_secs(10)).await.is_none());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        if status.is_empty() || status.contains("State:\tZ") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not exit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
