//! Followers that fall behind: with an event buffer of one (`[events] buffer = 1`), an engine's
//! follower lags behind every page of two or more of the other writers' events (the store
//! publishes a page at once), and reads the world again from the tables (`catch_up`). Nothing
//! is missed: each task a serving standby accepted runs once, and the standby frees the
//! resource at each task's end and accepts the next operation on it.

use crate::common;
use crate::postgres_conflicts::maintain;
use crate::postgres_standbys_serve::serving_pair;

use common::binary::{get, token};
use common::launch;
use sqlx::Connection;
use std::time::{Duration, Instant};

const BEHIND: &str = "missed changes of other replicas; reading the world again";

#[tokio::test]
async fn followers_that_fall_behind_read_the_world_again_and_miss_nothing() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config = launch::config_file(a.path(), "[events]\nbuffer = 1");
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let (_leader, member) = serving_pair((a.path(), b.path()), &args, &[]).await;
    let tok = token(&member.base).await;

    for action in ["start", "stop", "start"] {
        // Refused (busy) until the member's world has freed ZooKeeper from the last task.
        let deadline = Instant::now() + Duration::from_secs(30);
        let id = loop {
            let (code, answer) = maintain(&member.base, &tok, (1, "ZooKeeper"), action, true).await;
            if code == 200 {
                break answer["id"].as_i64().unwrap();
            }
            assert_eq!(code, 409, "{answer}");
            assert!(
                Instant::now() < deadline,
                "ZooKeeper was never freed: {answer}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(id > 1024, "accepted by the member");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let task = get(&member.base, &tok, &format!("/switchboard/v1/tasks/{id}")).await;
            if task["state"] == "COMPLETE" {
                break;
            }
            assert!(Instant::now() < deadline, "never ran: {task}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for (who, dir) in [("the leader", a.path()), ("the member", b.path())] {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
        assert!(log.contains(BEHIND), "{who} never fell behind: {log}");
    }
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let log = common::postgres::sim_log(&mut db).await;
    assert_eq!(log.len(), 3, "each operation performed once: {log:?}");
}
