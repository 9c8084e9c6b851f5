//! The simulated world run from any replica (migration 0010): a standby serving beside the
//! leader runs the simulated world's tasks it accepts, its actions numbered in the shared
//! journal with everyone's. Killed with `kill -9` in the middle of a three-step plan, a live
//! replica claims the task and finishes it, and the journal (one query) shows every step
//! performed once. While the leader has controls set (here a fault rule), the simulated world's
//! tasks are the leader's: one the standby runs is let go between two steps, and the rule
//! shapes the leader's next step.

use crate::common;
use crate::postgres_conflicts::maintain;
use crate::postgres_replicas::finished;
use crate::postgres_standbys_serve::serving_pair;

use common::binary::{post, token, Server};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard_core::Action;

/// The demo with a cluster of three stopped simulated services, a ← b ← c, each started in a
/// second.
fn config(dir: &Path) -> PathBuf {
    let service = |name: &str, deps: &str| {
        format!(
            "{{ name = \"{name}\", state = \"stopped\", depends_on = [{deps}], \
             config = {{ start = \"1s\" }} }}"
        )
    };
    let cluster = format!(
        "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"simulated\"\nversion = \"3.1.0\"\n\
         services = [ {}, {}, {} ]\n",
        service("a", ""),
        service("b", "\"a\""),
        service("c", "\"b\"")
    );
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, format!("{}\n{cluster}", switchboard::config::DEMO)).unwrap();
    path
}

/// The simulated services started so far, in the journal's order, with the writer of each.
async fn starts(db: &mut PgConnection) -> Vec<(String, i64)> {
    let log = common::postgres::sim_log(db).await;
    assert!(
        log.iter().all(|(e, _)| e.action == Action::Start),
        "{log:?}"
    );
    let name = |r: &str| r.rsplit('.').next().unwrap_or_default().to_string();
    log.into_iter()
        .map(|(e, t)| (name(&e.resource), t))
        .collect()
}

/// A leader and a standby serving beside it (2 s lease); the standby accepted the start of c
/// and its dependencies, and runs it: it is starting b.
struct Running {
    leader: Server,
    member: Server,
    tok: String,
    task: i64,
    db: PgConnection,
    tokens: (i64, i64),
    dirs: [tempfile::TempDir; 3],
}

async fn running_on_the_standby() -> Option<Running> {
    let url = common::postgres::database().await?;
    let dirs = [(); 3].map(|_| tempfile::tempdir().unwrap());
    let config = config(dirs[2].path());
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let env = [("SWITCHBOARD_LEASE", "2s")];
    let (leader, member) = serving_pair((dirs[0].path(), dirs[1].path()), &args, &env).await;
    let tok = token(&member.base).await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    let leading = sqlx::query_scalar("SELECT token FROM serving_lease");
    let leading: i64 = leading.fetch_one(&mut db).await.unwrap();
    let beside = sqlx::query_scalar("SELECT token FROM writers WHERE name IS NOT NULL");
    let beside: i64 = beside.fetch_one(&mut db).await.unwrap();
    let (code, started) = maintain(&member.base, &tok, (2, "c"), "start", false).await;
    assert_eq!(code, 200, "{started}");
    let task = started["id"].as_i64().unwrap();
    let executor = sqlx::query_scalar("SELECT executor FROM tasks WHERE id = $1").bind(task);
    let executor: Option<i64> = executor.fetch_one(&mut db).await.unwrap();
    assert_eq!(
        executor,
        Some(beside),
        "a simulated task runs where accepted"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while starts(&mut db).await.len() < 2 {
        assert!(Instant::now() < deadline, "b never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let on_the_standby = [("a".to_string(), beside), ("b".to_string(), beside)];
    assert_eq!(starts(&mut db).await, on_the_standby);
    Some(Running {
        leader,
        member,
        tok,
        task,
        db,
        tokens: (leading, beside),
        dirs,
    })
}

#[tokio::test]
async fn a_standby_killed_mid_plan_has_its_simulated_task_finished_once() {
    let Some(mut r) = running_on_the_standby().await else {
        return;
    };
    let killed = Instant::now();
    r.member.kill9();
    let done = finished(&r.leader.base, &r.tok, r.task, 0.0).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    println!(
        "the command finished {} ms after kill -9 (lease 2 s)",
        killed.elapsed().as_millis()
    );
    let (leading, beside) = r.tokens;
    let expected = [("a", beside), ("b", beside), ("c", leading)];
    let expected = expected.map(|(s, t)| (s.to_string(), t));
    assert_eq!(starts(&mut r.db).await, expected, "a step performed twice");
}

#[tokio::test]
async fn controls_set_on_the_leader_move_a_simulated_task_to_it_between_steps() {
    let Some(mut r) = running_on_the_standby().await else {
        return;
    };
    let rule = json!([{"id": "c-breaks", "resource": "mrs.2.c", "operation": "start",
        "driver": {"fail": "c broke"}}]);
    post(&r.member.base, &r.tok, "/switchboard/v1/faults", rule).await;
    let done = finished(&r.leader.base, &r.tok, r.task, 0.0).await;
    assert_eq!(done["state"], "FAILED", "{done}");
    assert!(done.to_string().contains("c broke"), "{done}");
    // Each attempt at c's start is the leader's (the rule fails every one).
    let (leading, beside) = r.tokens;
    let all = starts(&mut r.db).await;
    let on_the_standby = [("a", beside), ("b", beside)].map(|(s, t)| (s.to_string(), t));
    assert_eq!(all[..2], on_the_standby, "{all:?}");
    assert!(all.len() > 2, "{all:?}");
    assert!(
        all[2..].iter().all(|(s, t)| s == "c" && *t == leading),
        "{all:?}"
    );
    let log = std::fs::read_to_string(r.dirs[1].path().join("server.log")).unwrap();
    assert!(log.contains("handed the task over"), "{log}");
}
