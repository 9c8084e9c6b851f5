//! No fencing token reaches a real system: a leader paused past its lease and resumed must not
//! send a driver command of a task the standby has taken over and finished. Two replicas run
//! an `exec` service (real shell commands appending to a journal) whose restart fails once; the
//! leader is paused while it waits to try again, the standby takes the restart over and
//! finishes it, and the old leader, resumed while the database is slow to tell it so, finds on
//! its own clock that its lease may be another's before it runs the restart again (a restart
//! always acts: the service's state cannot tell that it was done).

use crate::common;
use crate::postgres_replicas::{finished, pair, KEY};

use common::binary::{post, token};
use serde_json::json;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The demo with a cluster of one running `exec` service whose first restart fails, and a
/// long pause before a step is tried again, in `dir`.
fn config(dir: &Path) -> PathBuf {
    let d = dir.display();
    let restart = format!(
        "if [ -f {d}/tried ]; then echo restart >> {d}/journal; \
         else touch {d}/tried; echo failed >> {d}/journal; exit 1; fi"
    );
    let extra = format!(
        "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"fenced\"\nversion = \"3.1.0\"\n\
         services = [ {{ name = \"app\", state = \"running\", driver = \"exec\", config = {{ \
         start = \"true\", stop = \"true\", restart = \"{restart}\", status = \"exit 0\", \
         timeout = \"30s\" }} }} ]\n"
    );
    let demo = switchboard::config::DEMO;
    let slow_retries = demo.replace("retry_backoff = \"500ms\"", "retry_backoff = \"3s\"");
    assert_ne!(slow_retries, demo, "the demo's retry_backoff moved");
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, format!("{slow_retries}\n{extra}")).unwrap();
    path
}

fn journal(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("journal")).unwrap_or_default()
}

#[tokio::test]
async fn a_leader_resumed_past_its_lease_sends_no_command_to_a_real_system() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let work = tempfile::tempdir().unwrap();
    let config = config(work.path());
    let config = config.to_str().unwrap();
    let env = [KEY, ("SWITCHBOARD_LEASE", "2s")];
    let (mut leader, standby) = pair(&url, a.path(), b.path(), &env, &["--config", config]).await;
    let tok = token(&leader.base).await;
    let path = "/web/v1/maintain/cluster/2/service/app/restart";
    let r = post(&leader.base, &tok, path, json!({"only_self": true})).await;
    let id = r["id"].as_i64().unwrap_or_else(|| panic!("{r}"));

    // Paused while it waits to try the failed restart again.
    let deadline = Instant::now() + Duration::from_secs(10);
    while journal(work.path()) != "failed\n" {
        assert!(Instant::now() < deadline, "{}", journal(work.path()));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    leader.signal("STOP");
    standby.wait_up(Duration::from_secs(30)).await;
    let done = finished(&standby.base, &tok, id, 0.0).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    assert_eq!(journal(work.path()), "failed\nrestart\n");

    // Resumed, the old leader's pause before trying again runs out. Its renewal and its
    // writes, which would tell it the lease is gone, are held up behind a lock on the lease's
    // table (a slow database): only its own clock can keep it from restarting the service.
    let mut blocker = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut stalled = blocker.begin().await.unwrap();
    sqlx::query("LOCK TABLE serving_lease IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *stalled)
        .await
        .unwrap();
    leader.signal("CONT");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stalled.commit().await.unwrap();
    let status = leader.exited(Duration::from_secs(20)).await;
    assert!(!status.success());
    assert_eq!(
        journal(work.path()),
        "failed\nrestart\n",
        "the old leader restarted the service again"
    );
}
