//! On PostgreSQL the database, not one replica's memory, decides which task holds a resource
//! and hands out task ids. A claim this replica never heard of (as another replica's accept
//! leaves it) refuses a conflicting accept in MRS's words, with nothing of it kept, or answers
//! the same operation with the task holding it; ids come in blocks no two processes share.

use crate::common;
use crate::postgres_conflicts::maintain;
use crate::postgres_replicas::KEY;

use common::binary::{free_port, get, token, Server};
use serde_json::{json, Value};
use sqlx::Connection;
use std::time::Duration;

/// A task id far above any this test's server hands out.
const FOREIGN: i64 = 900_000;

async fn start(base: &str, tok: &str, only_self: bool) -> (u16, Value) {
    maintain(base, tok, (1, "ZooKeeper"), "start", only_self).await
}

async fn zookeeper_state(base: &str, tok: &str) -> Value {
    let page = get(base, tok, "/switchboard/v1/resources?limit=1000").await;
    let zk = page["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "ZooKeeper")
        .cloned()
        .unwrap_or_else(|| panic!("{page}"));
    zk["state"].clone()
}

#[tokio::test]
async fn claims_and_task_ids_are_decided_by_the_database() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let args = ["--database-url", url.as_str()];
    let server = Server::launch(dir.path(), free_port(), &args, &[KEY]);
    server.wait_up(Duration::from_secs(30)).await;
    let tok = token(&server.base).await;
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let (zk, project): (String, String) = sqlx::query_as(
        "SELECT id, project_id FROM resources WHERE name = 'ZooKeeper' AND cluster_id = 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    let before = zookeeper_state(&server.base, &tok).await;

    // Another replica's start of ZooKeeper, in flight: its task and its claim.
    sqlx::query(
        "INSERT INTO tasks (id, project_id, kind, action, target_id, only_self, principal, \
         request_id, state, progress, created_at, updated_at, targets) VALUES \
         ($1, $2, 'mrs.service', 'start', $3, TRUE, 'admin', 'elsewhere', 'IN_PROGRESS', 0, \
         0, 0, $4)",
    )
    .bind(FOREIGN)
    .bind(&project)
    .bind(&zk)
    .bind(json!([zk]).to_string())
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query("UPDATE resources SET active_task_id = $2 WHERE id = $1")
        .bind(&zk)
        .bind(FOREIGN)
        .execute(&mut db)
        .await
        .unwrap();

    // Another operation on it is refused, in MRS's words, and nothing of it is kept.
    let (status, refusal) = start(&server.base, &tok, false).await;
    assert_eq!(status, 409, "{refusal}");
    let words = refusal.to_string();
    assert!(words.contains("is busy"), "{words}");
    assert!(words.contains(&FOREIGN.to_string()), "{words}");
    assert_eq!(zookeeper_state(&server.base, &tok).await, before);
    let ours: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE id <> $1")
        .bind(FOREIGN)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(ours, 0, "a refused accept left a task behind");
    // The same operation is the task already doing it.
    let (status, joined) = start(&server.base, &tok, true).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["id"], FOREIGN, "{joined}");

    // Once that task has ended, its resource is free again. The id is from this process's
    // block (the two refused accepts used one each).
    sqlx::query(
        "UPDATE tasks SET state = 'COMPLETE', progress = 100, finished_at = 1 WHERE id = $1",
    )
    .bind(FOREIGN)
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query("UPDATE resources SET active_task_id = NULL WHERE active_task_id = $1")
        .bind(FOREIGN)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, accepted) = start(&server.base, &tok, true).await;
    assert_eq!(status, 200, "{accepted}");
    let first = accepted["id"].as_i64().unwrap();
    assert!((1..=1024).contains(&first), "{accepted}");
    // Its claim is in the database while it runs, and gone with its end.
    let holder = || {
        sqlx::query_scalar::<_, Option<i64>>("SELECT active_task_id FROM resources WHERE id = $1")
            .bind(&zk)
    };
    assert_eq!(holder().fetch_one(&mut db).await.unwrap(), Some(first));
    crate::postgres_replicas::finished(&server.base, &tok, first, 0.0).await;
    assert_eq!(holder().fetch_one(&mut db).await.unwrap(), None);

    // A new process takes a new block: ids are never handed out twice, whoever hands them out.
    server.kill9();
    let server = Server::launch(dir.path(), free_port(), &args, &[KEY]);
    server.wait_up(Duration::from_secs(30)).await;
    let tok = token(&server.base).await;
    let (status, next) = start(&server.base, &tok, true).await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(next["id"], 1025, "{next}");
}
