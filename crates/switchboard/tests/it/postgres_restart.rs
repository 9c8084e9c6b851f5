//! PostgreSQL stopped for 1.5 s and started again under load (a cluster of the test's own): the
//! leader reconnects — its writer, its simulated world's journal, its lease — and every
//! operation it answered with a task completes; the simulated world performed each of them
//! once. The restart ended every session, the leader's lease session too, yet the standby
//! beside it does not take over (its own session was cut as well): the leader renews and leads
//! on.

use crate::common;
use crate::postgres_replicas::{standby, KEY};

use common::binary::{free_port, token, Server};
use serde_json::{json, Value};
use sqlx::Connection;
use std::time::{Duration, Instant};

/// Services of the demo's cluster without dependencies: each loop owns one.
const SERVICES: [&str; 3] = ["LdapServer", "ZooKeeper", "DBService"];
const CYCLES: usize = 4;

/// Starts and stops `service` `CYCLES` times, each operation to its end before the next; the
/// ids of the operations that were answered with a task.
async fn cycle(base: String, tok: String, service: &str) -> Vec<i64> {
    let http = reqwest::Client::new();
    let mut answered = Vec::new();
    for i in 0..CYCLES * 2 {
        let action = if i % 2 == 0 { "start" } else { "stop" };
        let url = format!("{base}/web/v1/maintain/cluster/1/service/{service}/{action}");
        let sent = http
            .post(url)
            .header("X-Auth-Token", &tok)
            .json(&json!({"only_self": true}))
            .send()
            .await;
        let Ok(answer) = sent else { continue };
        let Ok(body) = answer.json::<Value>().await else {
            continue;
        };
        // Refused while the database was away: answered, but with no task to complete.
        let Some(id) = body["id"].as_i64() else {
            continue;
        };
        answered.push(id);
        ended(&base, &tok, id).await;
    }
    answered
}

/// Waits until task `id` ended, through the errors of the outage; its state.
async fn ended(base: &str, tok: &str, id: i64) -> String {
    let deadline = Instant::now() + Duration::from_secs(90);
    let path = format!("/switchboard/v1/tasks/{id}");
    loop {
        if let Some(task) = try_get(base, tok, &path).await {
            let state = task["state"].as_str().unwrap_or("").to_string();
            if matches!(state.as_str(), "COMPLETE" | "FAILED" | "CANCELLED") {
                return state;
            }
        }
        assert!(Instant::now() < deadline, "task {id} never ended");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A GET's JSON answer, or `None` while the server cannot answer one.
async fn try_get(base: &str, tok: &str, path: &str) -> Option<Value> {
    let sent = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("X-Auth-Token", tok)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    sent.json().await.ok()
}

#[tokio::test]
async fn every_answered_operation_completes_across_a_restart_of_postgresql() {
    let Some(cluster) = common::postgres::Private::start().await else {
        return;
    };
    let (dir, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db = ["--database-url", cluster.url.as_str()];
    let server = Server::launch(dir.path(), free_port(), &db, &[KEY]);
    server.wait_up(Duration::from_secs(30)).await;
    let standby = standby(other.path(), &db, &[KEY]).await;
    let tok = token(&server.base).await;
    let loops: Vec<_> = SERVICES
        .iter()
        .map(|s| tokio::spawn(cycle(server.base.clone(), tok.clone(), s)))
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let restarting = Instant::now();
    cluster.restart(Duration::from_millis(1500)).await;
    eprintln!("PostgreSQL away for {:?}", restarting.elapsed());
    let mut answered = Vec::new();
    for l in loops {
        answered.extend(l.await.unwrap());
    }
    assert!(answered.len() >= SERVICES.len() * 3, "{answered:?}");
    for id in &answered {
        let state = ended(&server.base, &tok, *id).await;
        assert_eq!(state, "COMPLETE", "task {id}");
    }
    // Each completed operation was performed once by the simulated world; nothing else was.
    let mut conn = sqlx::PgConnection::connect(&cluster.url).await.unwrap();
    let log = common::postgres::sim_log(&mut conn).await;
    assert_eq!(log.len(), answered.len(), "{log:?}");
    let mut ops: Vec<&str> = log.iter().map(|(e, _)| e.op.as_str()).collect();
    ops.sort();
    ops.dedup();
    assert_eq!(ops.len(), log.len(), "an operation performed twice");
    eprintln!("{} operations answered and completed", answered.len());

    // The same leader leads on; the standby stands by.
    assert!(server.is_up().await, "the leader no longer serves");
    assert!(
        !standby.is_up().await,
        "the standby took over from a live leader"
    );
    let log = std::fs::read_to_string(other.path().join("server.log")).unwrap();
    assert!(!log.contains("took the serving lease over"), "{log}");
}
