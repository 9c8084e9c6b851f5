//! A finished task's claims go with its end under load: while many clients flood the server with
//! accepts on other services, a task that reads COMPLETE (native task read and MRS command
//! progress) has freed its service, so the next operation on it is accepted, round after round;
//! and the writer's queue of background work (step progress, task ends) stays bounded instead of
//! growing behind the stream of answers.

use crate::common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard::config::{Config, DEMO};

/// Services the flood walks (cluster 2), besides the probed one.
const FLOODED: usize = 800;
/// Concurrent flooding clients: far more answers per group than the old background budget.
const CLIENTS: usize = 96;
/// Operations on the probed service, each waited for and followed at once by the next.
const ROUNDS: usize = 30;
/// Background statements the writer may find queued: what tasks produce while one group commits
/// (500-700 measured), not a backlog growing with the flood (5,200 before the fix, when a group
/// took at most 256 statements of it behind the answers).
const QUEUE_BOUND: f64 = 2048.0;

fn with_flood_cluster(c: &mut Config) {
    let mut toml = format!(
        "{DEMO}\n[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"flood\"\n\
         version = \"3.1.0\"\nservices = [\n  {{ name = \"probe\" }},\n"
    );
    for i in 0..FLOODED {
        toml.push_str(&format!("  {{ name = \"f{i}\" }},\n"));
    }
    toml.push_str("]\n");
    c.clusters = Config::parse(&toml, "flood").unwrap().clusters;
    // Short steps: tasks finish while the flood goes on, so their ends compete with answers.
    c.sim.speed = 300.0;
    c.sim.jitter = 0.0;
}

async fn scrape(s: &TestServer) -> String {
    let r = s
        .client
        .get(format!("{}/metrics", s.base))
        .header("X-Auth-Token", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The gauge of background statements the writer last found queued (None when absent).
fn queued(text: &str) -> Option<f64> {
    let name = "switchboard_store_queued_writes ";
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
}

async fn operate(s: &TestServer, service: &str, op: &str) -> (StatusCode, Value) {
    let r = s
        .post(
            &format!("/web/v1/maintain/cluster/2/service/{service}/{op}"),
            json!({"only_self": true}),
        )
        .await;
    (r.status, r.body)
}

/// Polls the native task read until the task is no longer running; its state.
async fn wait_native(s: &TestServer, id: i64) -> String {
    loop {
        let r = s.get(&format!("/switchboard/v1/tasks/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let state = r.body["state"].as_str().unwrap().to_string();
        if state != "IN_PROGRESS" && state != "NEW" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_finished_task_frees_its_resource_at_once_under_a_flood_of_accepts() {
    let s = Arc::new(TestServer::start(with_flood_cluster).await);
    let stop = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(AtomicU64::new(0));
    let mut flood = Vec::new();
    for c in 0..CLIENTS {
        let (s, stop, accepted) = (s.clone(), stop.clone(), accepted.clone());
        flood.push(tokio::spawn(async move {
            // Each client walks its own slice: stop on each, then start on each, over and over.
            let mine: Vec<String> = (c..FLOODED)
                .step_by(CLIENTS)
                .map(|i| format!("f{i}"))
                .collect();
            'outer: loop {
                for op in ["stop", "start"] {
                    for service in &mine {
                        if stop.load(Ordering::Relaxed) {
                            break 'outer;
                        }
                        let (status, body) = operate(&s, service, op).await;
                        // A service still busy with this client's previous operation: 409.
                        assert!(
                            status == StatusCode::OK || status == StatusCode::CONFLICT,
                            "{status} {body}"
                        );
                        if status == StatusCode::OK {
                            accepted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    // Let the flood build up before probing.
    while accepted.load(Ordering::Relaxed) < 2_000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut peak: f64 = 0.0;
    for round in 0..ROUNDS {
        let op = if round % 2 == 0 { "stop" } else { "start" };
        let (status, body) = operate(&s, "probe", op).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "round {round}: {op} refused right after the previous task read COMPLETE: {body}"
        );
        let id = body["id"].as_i64().unwrap();
        assert_eq!(wait_native(&s, id).await, "COMPLETE", "round {round}");
        // The family's own read agrees at once.
        let progress = s
            .get(&format!("/web/v1/common/command/{id}/progress"))
            .await;
        assert_eq!(progress.body["state"], "COMPLETE", "{}", progress.body);
        let text = scrape(&s).await;
        let now = queued(&text).expect("switchboard_store_queued_writes is exposed");
        peak = peak.max(now);
    }
    let flooded = accepted.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        f.await.unwrap();
    }
    eprintln!("background queue peak {peak} statements, {flooded} accepts flooded");
    assert!(flooded > 2_000, "the flood accepted only {flooded}");
    assert!(
        peak <= QUEUE_BOUND,
        "the writer's background queue reached {peak} statements ({flooded} accepts flooded)"
    );
}
