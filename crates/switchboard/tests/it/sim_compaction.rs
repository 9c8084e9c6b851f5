//! The simulated world's action log compacted after every action, with the real binary killed
//! (`kill -9`) inside a compaction — after its snapshot is written but before the rename, and
//! after the rename but before the log is emptied: after a restart the command completes and
//! no action is lost or performed twice.

use crate::common;

use common::binary::{free_port, get, post, token, PASSWORD};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What starting Spark with its dependencies starts.
const SERVICES: [&str; 7] = [
    "ZooKeeper",
    "DBService",
    "HDFS",
    "Yarn",
    "MapReduce",
    "Hive",
    "Spark",
];

/// The demo with a log compacted as soon as it outgrows its snapshot.
fn config(dir: &Path) -> PathBuf {
    let text = include_str!("../../../../switchboard.example.toml")
        .replace("[sim]\n", "[sim]\ncompact_log_bytes = 1\n");
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The real binary; `pause` holds every compaction inside each of its two halves that long.
async fn serve(data: &Path, config: &Path, port: u16, pause: Option<u64>) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("server.log"))
        .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--sim-speed", "3", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
        .env_remove("SWITCHBOARD_TEST_SIM_COMPACT_PAUSE_MS")
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(ms) = pause {
        cmd.env("SWITCHBOARD_TEST_SIM_COMPACT_PAUSE_MS", ms.to_string());
    }
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

async fn killed_inside_a_compaction(window: &str) {
    let dir = tempfile::tempdir().unwrap();
    let conf_dir = tempfile::tempdir().unwrap();
    let config = config(conf_dir.path());
    let (data, sim) = (dir.path(), dir.path().join("sim"));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(data, &config, port, Some(3_000)).await;
    let tok = token(&base).await;
    let r = post(
        &base,
        &tok,
        "/web/v1/maintain/cluster/1/service/Spark/start",
        json!({"only_self": false}),
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    // The first action is followed by a compaction, held inside `window`.
    let inside = || match window {
        "before the rename" => sim.join("world.json.tmp").exists(),
        _ => sim.join("world.json").exists(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !inside() {
        assert!(Instant::now() < deadline, "no compaction began");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let log = switchboard_drivers::sim::read_log(&sim).unwrap();
    // Actions go on being recorded while a compaction writes (ZooKeeper's and DBService's
    // starts run at once), so the log may hold entries after the one the snapshot covers.
    let lines = std::fs::read_to_string(sim.join("actions.jsonl")).unwrap();
    let lines = lines.lines().count();
    if window == "before the rename" {
        assert!(!sim.join("world.json").exists());
        assert_eq!(
            log.first().map(|e| e.seq),
            Some(1),
            "the log is whole: {log:?}"
        );
        assert_eq!(log.len(), lines, "{log:?}");
    } else {
        assert!(
            log.iter().all(|e| e.seq > 1),
            "the snapshot covers the first entry: {log:?}"
        );
        assert!(lines > log.len(), "the covered entry is still in the file");
    }

    let mut server = serve(data, &config, port, None).await;
    let tok = token(&base).await;
    let progress = format!("/web/v1/common/command/{id}/progress");
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let p = get(&base, &tok, &progress).await;
        if p["state"] != "IN_PROGRESS" {
            break p;
        }
        assert!(Instant::now() < deadline, "never finished after restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let performed = switchboard_drivers::sim::performed(&sim).unwrap();
    for svc in SERVICES {
        let starts = performed[&format!("mrs.1.{svc}")].start;
        assert_eq!(starts, 1, "{svc} was started {starts} times ({window})");
    }
    let total: u64 = performed
        .values()
        .map(|p| p.start + p.stop + p.restart)
        .sum();
    assert_eq!(total, SERVICES.len() as u64, "{performed:?}");
    assert!(sim.join("world.json").exists(), "compacted on");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn kill_9_before_a_compactions_rename_loses_and_doubles_nothing() {
    killed_inside_a_compaction("before the rename").await;
}

#[tokio::test]
async fn kill_9_after_a_compactions_rename_loses_and_doubles_nothing() {
    killed_inside_a_compaction("after the rename").await;
}

/// A compaction writes its snapshot outside the world's lock: while one is held before its
/// rename, the simulated world goes on recording actions (before, every action waited for it).
#[tokio::test]
async fn actions_are_recorded_while_a_compaction_writes() {
    let dir = tempfile::tempdir().unwrap();
    let conf_dir = tempfile::tempdir().unwrap();
    let config = config(conf_dir.path());
    let (data, sim) = (dir.path(), dir.path().join("sim"));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(data, &config, port, Some(20_000)).await;
    let tok = token(&base).await;
    let path = "/web/v1/maintain/cluster/1/service/Spark/start";
    post(&base, &tok, path, json!({"only_self": false})).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sim.join("world.json.tmp").exists() {
        assert!(Instant::now() < deadline, "no compaction began");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // ZooKeeper and DBService start at once: the second is recorded during the compaction.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let log = switchboard_drivers::sim::read_log(&sim).unwrap();
        if log.len() >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nothing recorded during the compaction: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        sim.join("world.json.tmp").exists() && !sim.join("world.json").exists(),
        "still inside the compaction"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
