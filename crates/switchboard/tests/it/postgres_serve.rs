//! The server on PostgreSQL (`--database-url`): an operation accepted before a `kill -9`
//! finishes after a restart on the same database and nothing runs twice; the state (tasks,
//! resources, tokens, events, the simulated world) lives in the database; a replica with
//! another master key refuses the database; the server reconnects when its sessions end, and
//! stops when another replica took its lease over. Several replicas: `postgres_replicas.rs`.

use crate::common;

use common::binary::{free_port, get, post, token, Server, PASSWORD};
use common::launch;
use serde_json::json;
use sqlx::Connection;
use std::time::{Duration, Instant};
use switchboard_core::Action;

#[tokio::test]
async fn an_operation_survives_kill_9_on_postgresql_and_a_second_server_is_refused() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let db = ["--database-url", url.as_str()];
    let server = Server::start_with(dir.path(), port, &db).await;
    let tok = token(&server.base).await;
    let r = post(
        &server.base,
        &tok,
        "/web/v1/maintain/cluster/1/service/Spark/start",
        json!({"only_self": false}),
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    let progress_path = format!("/web/v1/common/command/{id}/progress");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p = get(&server.base, &tok, &progress_path).await;
        let steps = p["res_obj"]["step_list"].as_array().unwrap().clone();
        let done = steps.iter().filter(|s| s["state"] == "DONE").count();
        if done >= 2 && steps.iter().any(|s| s["state"] == "RUNNING") {
            break;
        }
        assert!(done < steps.len(), "finished before the crash could happen");
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // While it serves, a replica given another master key refuses to start, and says why.
    let other = tempfile::tempdir().unwrap();
    let mut refused = launch::serve(other.path(), free_port(), other.path(), Some(PASSWORD));
    refused
        .args(db)
        .env("SWITCHBOARD_MASTER_KEY", "not the first server's key");
    let (status, _) = launch::run_to_exit(refused, Duration::from_secs(30)).await;
    assert!(!status.success());
    let (_, stderr) = launch::output(other.path());
    assert!(stderr.contains("SWITCHBOARD_MASTER_KEY"), "{stderr}");
    assert!(
        !stderr.contains(&url),
        "the URL (and a password in it) reached the log"
    );

    server.kill9();
    let server = Server::start_with(dir.path(), port, &db).await;
    // The token was stored in the database: it still works.
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let p = get(&server.base, &tok, &progress_path).await;
        if p["state"] != "IN_PROGRESS" {
            break p;
        }
        assert!(Instant::now() < deadline, "never finished after restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["state"], "COMPLETE", "{done}");
    // What the API showed is what the database holds, the simulated world's actions too.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let log = common::postgres::sim_log(&mut conn).await;
    let planned = done["res_obj"]["step_list"].as_array().unwrap().len();
    assert_eq!(log.len(), planned, "each service started once");
    assert!(log.iter().all(|(e, _)| e.action == Action::Start));
    let state: String = sqlx::query_scalar("SELECT state FROM tasks WHERE id = $1")
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(state, "COMPLETE");
    let running: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM resources WHERE id LIKE 'mrs.1.%' AND state = 'running'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(running >= planned as i64, "{running} running of {planned}");
    let finished: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE task_id = $1 AND type = 'task.finished'",
    )
    .bind(id)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(finished, 1);
    // Nothing of the state went to the data directory: no SQLite file, no simulated world.
    assert!(!dir.path().join("switchboard.db").exists());
    assert!(!dir.path().join("sim").join("actions.jsonl").exists());

    // The server's sessions end, as when PostgreSQL restarts: the next operation reconnects.
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(ended.len() >= 2, "the writer's and the readers' sessions");
    let r = post(
        &server.base,
        &tok,
        "/web/v1/maintain/cluster/1/service/Spark/stop",
        json!({"only_self": true}),
    )
    .await;
    let stop = r["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&server.base, &tok, &format!("/switchboard/v1/tasks/{stop}")).await["state"]
        != "COMPLETE"
    {
        assert!(Instant::now() < deadline, "the stop never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The server renewed its lease on a new session.
    let deadline = Instant::now() + Duration::from_secs(10);
    while sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM serving_lease l JOIN pg_stat_activity a \
         ON a.pid = l.holder_pid AND a.backend_start = l.holder_started",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
        == 0
    {
        assert!(Instant::now() < deadline, "the lease was not renewed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Another replica takes the lease over (its token raised) while this one is cut off: this one
/// writes nothing more and stops, saying why.
#[tokio::test]
async fn a_server_that_lost_its_lease_writes_nothing_and_stops() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Server::start_with(dir.path(), port, &["--database-url", url.as_str()]).await;
    let tok = token(&server.base).await;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let before = task_count(&mut conn).await;
    sqlx::query("UPDATE serving_lease SET token = token + 1, holder = 'the test'")
        .execute(&mut conn)
        .await
        .unwrap();
    // Refused in MRS's own words (or, once it stopped, not answered at all); never accepted.
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/web/v1/maintain/cluster/1/service/Spark/stop",
            server.base
        ))
        .header("X-Auth-Token", &tok)
        .json(&json!({"only_self": true}))
        .send()
        .await;
    if let Ok(answer) = answer {
        let r: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(r["state"], "FAILED", "accepted without the lease: {r}");
    }
    let status = server.exited(Duration::from_secs(10)).await;
    assert!(!status.success());
    assert_eq!(task_count(&mut conn).await, before);
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("took this database over"), "{log}");
}

async fn task_count(conn: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(conn)
        .await
        .unwrap()
}
