//! What idle event streams cost: opens many against a server binary and prints its RSS before
//! and after. A measurement, not a test (ignored); see the README's Benchmarks section:
//!
//!   SWITCHBOARD_BIN=target/release/switchboard EVENT_SUBSCRIBERS=5000 \
//!     cargo test -p switchboard --test events_idle -- --ignored --nocapture

use crate::common;

use common::binary::{free_port, post, token, PASSWORD};
use common::sse::Events;
use futures::StreamExt;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
#[ignore = "a measurement (thousands of connections); run by hand, see README Benchmarks"]
async fn idle_event_streams_cost_little_memory() {
    let n: usize = std::env::var("EVENT_SUBSCRIBERS").map_or(5000, |v| v.parse().unwrap());
    let bin = std::env::var("SWITCHBOARD_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_switchboard").into());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tok = token(&base).await;
    // Warm: one stream opened and closed, one task run.
    drop(Events::open(&base, &tok, "", None).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(child.id());

    let started = Instant::now();
    let mut streams: Vec<Events> = futures::stream::iter(0..n)
        .map(|_| Events::open(&base, &tok, "", None))
        .buffer_unordered(200)
        .collect()
        .await;
    let opened_in = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(child.id());

    // Every one of them is live: an event reaches the last as well as the first.
    let r = post(
        &base,
        &tok,
        "/web/v1/maintain/cluster/1/service/ZooKeeper/start",
        json!({"only_self": true}),
    )
    .await;
    let task = r["id"].as_i64().unwrap();
    let sent = Instant::now();
    for s in [0, n - 1] {
        let e = streams[s].next(Duration::from_secs(30)).await.unwrap();
        assert_eq!(e.data["task"]["id"], task, "{e:?}");
    }
    let fanout = sent.elapsed();
    let peak = rss_kib(child.id());
    println!(
        "{n} idle event streams: server RSS {before} KiB before, {after} KiB after \
         ({:.1} KiB per stream); opened in {opened_in:.2?}; an event reached the last in \
         {fanout:.2?}; RSS after the event {peak} KiB",
        (after.saturating_sub(before)) as f64 / n as f64
    );
    drop(streams);
    let _ = child.kill();
    let _ = child.wait();
}
