//! `GET /switchboard/v1/events` through HTTP: a task's events in order, project scope, errors,
//! the subscriber cap, and the gap after pruning. (Resuming across `kill -9`: events_crash.rs.)

use crate::common;

use common::identity::{self, OTHER};
use common::sse::{request, Events, Received};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Checks the order a task's events must come in and returns its steps by index.
fn check_task_events(events: &[Received], task: i64) -> HashMap<u64, Value> {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids not increasing: {ids:?}"
    );
    for e in events {
        assert_eq!(e.data["seq"], e.id, "{e:?}");
        assert_eq!(e.data["type"], e.kind.as_str(), "{e:?}");
        assert_eq!(e.data["project_id"], PROJECT, "{e:?}");
        assert!(e.data["at"].as_str().unwrap().ends_with('Z'), "{e:?}");
    }
    let mine: Vec<&Received> = events
        .iter()
        .filter(|e| e.data["task_id"] == task || e.data["task"]["id"] == task)
        .collect();
    assert_eq!(mine[0].kind, "task.created", "{mine:#?}");
    let created = &mine[0].data["task"];
    let steps = created["steps"].as_array().unwrap();
    assert!(!steps.is_empty(), "{created}");
    assert_eq!(mine.last().unwrap().kind, "task.finished");
    // Where each step started and finished in the stream.
    let at = |kind: &str, idx: u64| {
        let found: Vec<usize> = mine
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind && e.data["step"]["index"] == idx)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "{kind} of step {idx} once: {mine:#?}");
        found[0]
    };
    let mut last_of = HashMap::new();
    for s in steps {
        let idx = s["index"].as_u64().unwrap();
        let (started, finished) = (at("step.started", idx), at("step.finished", idx));
        assert!(0 < started && started < finished, "{mine:#?}");
        for dep in s["after"].as_array().unwrap() {
            let dep = dep.as_u64().unwrap();
            assert!(
                at("step.finished", dep) < started,
                "step {idx} before {dep}"
            );
        }
        last_of.insert(idx, mine[finished].data["step"].clone());
    }
    // Progress between steps; the last one's is the task's end.
    let progress = mine.iter().filter(|e| e.kind == "task.progress").count();
    assert_eq!(progress, steps.len() - 1, "{mine:#?}");
    last_of
}

#[tokio::test]
async fn a_subscriber_sees_every_step_of_a_task_in_order_and_others_see_none() {
    let s = identity::server().await;
    let alice = identity::token(&s, "alice", "Alice-Password-1", OTHER).await;
    let mut mine = Events::open(&s.base, &s.token, "", None).await;
    let mut theirs = Events::open(&s.base, &alice, "", None).await;
    let task = s.operate("HDFS", "start", false).await;
    let events = mine.until_finished(task).await;
    let steps = check_task_events(&events, task);
    assert!(steps.len() >= 2, "HDFS starts with its dependencies");
    let finished = &events.last().unwrap().data["task"];
    assert_eq!(finished["state"], "COMPLETE", "{finished}");
    // Whoever hears of the end can act on the task's resources at once.
    s.operate("HDFS", "stop", true).await;
    // The objects are those of the task API.
    let shown = s.get(&format!("/switchboard/v1/tasks/{task}")).await.body;
    assert_eq!(finished, &shown);
    for (idx, step) in steps {
        assert_eq!(step, shown["steps"][idx as usize], "step {idx}");
    }
    let hdfs = events
        .iter()
        .filter(|e| e.kind == "resource.state" && e.data["resource"]["name"] == "HDFS")
        .map(|e| e.data["resource"]["state"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(hdfs.first(), Some(&"starting"), "{events:#?}");
    assert_eq!(hdfs.last(), Some(&"running"), "{events:#?}");
    let leaked = theirs.next(Duration::from_millis(300)).await;
    assert!(leaked.is_none(), "another project saw {leaked:?}");
}

#[tokio::test]
async fn replay_after_an_id_and_the_task_filter() {
    let s = TestServer::start(|_| {}).await;
    let first = s.operate("ZooKeeper", "start", true).await;
    s.wait_command(first).await;
    let task = s.operate("HDFS", "start", true).await;
    s.wait_command(task).await;
    // From the beginning: both tasks, nothing else, no live event needed.
    let mut all = Events::open(&s.base, &s.token, "?after=0", None).await;
    let replayed = all.until_finished(task).await;
    assert_eq!(replayed[0].id, 1);
    assert!(replayed.iter().any(|e| e.data["task"]["id"] == first));
    // Only one task, resumed from its header (which wins over `after`).
    let mut one = Events::open(
        &s.base,
        &s.token,
        &format!("?task={task}&after=999"),
        Some("0"),
    )
    .await;
    let only = one.until_finished(task).await;
    assert!(
        only.iter().all(|e| e.data["task_id"] == task
            || e.data["task"]["id"] == task
            || (e.kind == "resource.state" && e.data["resource"]["name"] == "HDFS")),
        "{only:#?}"
    );
    check_task_events(&only, task);
    // Resuming after the third of them sends the rest and nothing before.
    let mut rest = Events::open(&s.base, &s.token, "", Some(&only[2].id.to_string())).await;
    let tail = rest.until_finished(task).await;
    assert_eq!(
        tail[0].id,
        replayed.iter().find(|e| e.id > only[2].id).unwrap().id
    );
    assert!(rest.next(Duration::from_millis(200)).await.is_none());
}

#[tokio::test]
async fn bad_requests_get_the_native_envelope_and_missing_tokens_the_native_routes_401() {
    let s = identity::server().await;
    for (query, last_id) in [
        ("?after=abc", None),
        ("?after=-1", None),
        ("", Some("x1")),
        ("?task=HDFS", None),
    ] {
        let r = request(&s.base, Some(&s.token), query, last_id).await;
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "bad_request",
            "{query} {last_id:?}: {body}"
        );
        assert!(body["error"]["request_id"].is_string(), "{body}");
    }
    // The same 401 as every native route: the gateway's.
    for token in [None, Some("sbt-bogus")] {
        let tasks = s
            .call(Method::GET, "/switchboard/v1/tasks", token, None)
            .await;
        let r = request(&s.base, token, "", None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error_code"], tasks.body["error_code"], "{body}");
        assert_eq!(body["error_code"], "APIGW.0301", "{body}");
    }
}

#[tokio::test]
async fn subscribers_beyond_the_cap_are_refused_until_one_leaves() {
    let s = TestServer::start(|c| {
        c.events.max_subscribers = 1;
        c.events.keep_alive = Duration::from_millis(50);
    })
    .await;
    let first = Events::open(&s.base, &s.token, "", None).await;
    let r = request(&s.base, Some(&s.token), "", None).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_subscribers", "{body}");
    drop(first);
    // The server notices at its next keep-alive that the client went away.
    for _ in 0..100 {
        let r = request(&s.base, Some(&s.token), "", None).await;
        if r.status() == StatusCode::OK {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the slot of a closed stream was never freed");
}

#[tokio::test]
async fn a_client_behind_the_retained_history_gets_a_gap_first() {
    let s = TestServer::start(|c| c.events.retention = 4).await;
    let task = s.operate("HDFS", "start", false).await;
    s.wait_command(task).await;
    let mut events = Events::open(&s.base, &s.token, "?after=0", None).await;
    let gap = events.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(gap.kind, "gap", "{gap:?}");
    let pruned_to = gap.data["seq"].as_i64().unwrap();
    assert!(pruned_to > 0 && gap.id == pruned_to, "{gap:?}");
    let next = events.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        next.id,
        pruned_to + 1,
        "continues from the oldest retained: {next:?}"
    );
}

#[tokio::test]
async fn a_stream_that_falls_behind_reads_the_missed_events_back() {
    // A buffer of 2: every accepted task (its creation and its resources' claims, published
    // at once) overruns it.
    let s = TestServer::start(|c| c.events.buffer = 2).await;
    let mut events = Events::open(&s.base, &s.token, "", None).await;
    let task = s.operate("Spark", "start", false).await;
    let seen = events.until_finished(task).await;
    let steps = check_task_events(&seen, task);
    assert_eq!(steps.len(), 7, "Spark starts with its dependencies");
    let claims = seen.iter().filter(|e| e.kind == "resource.state").count();
    assert!(
        claims >= 14,
        "every resource claimed and released: {seen:#?}"
    );
}
