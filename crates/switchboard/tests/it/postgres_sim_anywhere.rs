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

use common::binary::{get, post, token, Server};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard_core::Action;

/// The demo with a cluster of three stopped simulated services, a ← b ← c, each started in
/// `start` of simulated time (a third of it: the test servers run at speed 3).
fn config(dir: &Path, start: &str) -> PathBuf {
    let service = |name: &str, deps: &str| {
        format!(
            "{{ name = \"{name}\", state = \"stopped\", depends_on = [{deps}], \
             config = {{ start = \"{start}\" }} }}"
        )
    };
    common::binary::demo_with_chain(dir, service)
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

/// A leader and a standby serving beside it (2 s lease) on the cluster of [`config`], each
/// service started in a simulated second.
struct Pair {
    leader: Server,
    member: Server,
    tok: String,
    db: PgConnection,
    /// The writer tokens of the leader and of the standby.
    tokens: (i64, i64),
    dirs: [tempfile::TempDir; 3],
}

async fn pair() -> Option<Pair> {
    pair_starting_in("1s").await
}

async fn pair_starting_in(start: &str) -> Option<Pair> {
    let url = common::postgres::database().await?;
    let dirs = [(); 3].map(|_| tempfile::tempdir().unwrap());
    let config = config(dirs[2].path(), start);
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let env = [("SWITCHBOARD_LEASE", "2s")];
    let (leader, member) = serving_pair((dirs[0].path(), dirs[1].path()), &args, &env).await;
    let tok = token(&member.base).await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    let leading = sqlx::query_scalar("SELECT token FROM serving_lease");
    let leading: i64 = leading.fetch_one(&mut db).await.unwrap();
    let beside = sqlx::query_scalar("SELECT token FROM writers WHERE name IS NOT NULL");
    let beside: i64 = beside.fetch_one(&mut db).await.unwrap();
    Some(Pair {
        leader,
        member,
        tok,
        db,
        tokens: (leading, beside),
        dirs,
    })
}

async fn executor(db: &mut PgConnection, task: i64) -> Option<i64> {
    let executor = sqlx::query_scalar("SELECT executor FROM tasks WHERE id = $1").bind(task);
    executor.fetch_one(db).await.unwrap()
}

/// Waits until the journal holds `n` starts.
async fn until_started(db: &mut PgConnection, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while starts(db).await.len() < n {
        assert!(Instant::now() < deadline, "never {n} starts");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The [`pair`], the standby having accepted the start of c and its dependencies, and running
/// it: it is starting b.
struct Running {
    pair: Pair,
    task: i64,
}

async fn running_on_the_standby() -> Option<Running> {
    let mut pair = pair().await?;
    let (code, started) = maintain(&pair.member.base, &pair.tok, (2, "c"), "start", false).await;
    assert_eq!(code, 200, "{started}");
    let task = started["id"].as_i64().unwrap();
    let beside = pair.tokens.1;
    let runs = executor(&mut pair.db, task).await;
    assert_eq!(runs, Some(beside), "a simulated task runs where accepted");
    until_started(&mut pair.db, 2).await;
    let on_the_standby = [("a".to_string(), beside), ("b".to_string(), beside)];
    assert_eq!(starts(&mut pair.db).await, on_the_standby);
    Some(Running { pair, task })
}

/// Sets a fault rule that fails c's every start (through the standby: the leader keeps it).
async fn break_c(p: &Pair) {
    let rule = json!([{"id": "c-breaks", "resource": "mrs.2.c", "operation": "start",
        "driver": {"fail": "c broke"}}]);
    post(&p.member.base, &p.tok, "/switchboard/v1/faults", rule).await;
}

/// Task `task` failed by the rule of [`break_c`], c's starts all the leader's, and the standby
/// handed the task over.
async fn failed_by_the_leader(p: &mut Pair, task: i64, before: &[(&str, i64)]) {
    let done = finished(&p.leader.base, &p.tok, task, 0.0).await;
    assert_eq!(done["state"], "FAILED", "{done}");
    assert!(done.to_string().contains("c broke"), "{done}");
    let all = starts(&mut p.db).await;
    let before: Vec<(String, i64)> = before.iter().map(|(s, t)| (s.to_string(), *t)).collect();
    assert_eq!(all[..before.len()], before, "{all:?}");
    assert!(all.len() > before.len(), "{all:?}");
    let rest = &all[before.len()..];
    assert!(
        rest.iter().all(|(s, t)| s == "c" && *t == p.tokens.0),
        "{all:?}"
    );
    let log = std::fs::read_to_string(p.dirs[1].path().join("server.log")).unwrap();
    assert!(log.contains("handed the task over"), "{log}");
}

#[tokio::test]
async fn a_standby_killed_mid_plan_has_its_simulated_task_finished_once() {
    let Some(Running { mut pair, task }) = running_on_the_standby().await else {
        return;
    };
    let killed = Instant::now();
    pair.member.kill9();
    let done = finished(&pair.leader.base, &pair.tok, task, 0.0).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    println!(
        "the command finished {} ms after kill -9 (lease 2 s)",
        killed.elapsed().as_millis()
    );
    let (leading, beside) = pair.tokens;
    let expected = [("a", beside), ("b", beside), ("c", leading)];
    let expected = expected.map(|(s, t)| (s.to_string(), t));
    assert_eq!(
        starts(&mut pair.db).await,
        expected,
        "a step performed twice"
    );
}

#[tokio::test]
async fn controls_set_on_the_leader_move_a_simulated_task_to_it_between_steps() {
    let Some(Running { mut pair, task }) = running_on_the_standby().await else {
        return;
    };
    break_c(&pair).await;
    let beside = pair.tokens.1;
    failed_by_the_leader(&mut pair, task, &[("a", beside), ("b", beside)]).await;
}

/// A step that started before the controls were set, and waits (here for its dependency, which
/// another task is starting), is left before it acts: the leader goes on with it.
#[tokio::test]
async fn a_waiting_step_is_left_to_the_leader_before_it_acts() {
    let Some(mut pair) = pair().await else {
        return;
    };
    let (base, tok) = (pair.leader.base.clone(), pair.tok.clone());
    let (code, b) = maintain(&base, &tok, (2, "b"), "start", false).await;
    assert_eq!(code, 200, "{b}");
    until_started(&mut pair.db, 2).await;
    let (code, c) = maintain(&pair.member.base, &tok, (2, "c"), "start", true).await;
    assert_eq!(code, 200, "{c}");
    let task = c["id"].as_i64().unwrap();
    assert_eq!(executor(&mut pair.db, task).await, Some(pair.tokens.1));
    break_c(&pair).await;
    let leading = pair.tokens.0;
    failed_by_the_leader(&mut pair, task, &[("a", leading), ("b", leading)]).await;
}

/// A restore while a standby runs a simulated step of about 10 s (longer than the 5 s the
/// restore waits for tasks to stop): the standby's writer is fenced off before the state is
/// replaced, so the step's end never lands in the restored state, and the
/// standby joins again as a new writer.
#[tokio::test]
async fn a_restore_fences_off_a_standby_whose_step_outlasts_it() {
    let Some(mut pair) = pair_starting_in("30s").await else {
        return;
    };
    let (base, tok) = (pair.leader.base.clone(), pair.tok.clone());
    let taken = get(&base, &tok, "/switchboard/v1/state/snapshot").await;
    let (code, started) = maintain(&pair.member.base, &tok, (2, "a"), "start", true).await;
    assert_eq!(code, 200, "{started}");
    until_started(&mut pair.db, 1).await;
    // 30 s at the test servers' speed of 3, with a jitter of a quarter at most.
    let ends_at = Instant::now() + Duration::from_secs(13);
    // In the database (the leader's world may not have heard of it yet: either way, the
    // restore finds it unfinished under the standby's writer).
    let path = format!("/switchboard/v1/tasks/{}", started["id"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&base, &tok, &path).await["state"] != "IN_PROGRESS" {
        assert!(
            Instant::now() < deadline,
            "the leader never heard of the task"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let restored = reqwest::Client::new()
        .put(format!("{base}/switchboard/v1/state/snapshot"))
        .header("X-Auth-Token", &tok)
        .json(&taken)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 200);
    let restored: serde_json::Value = restored.json().await.unwrap();
    let beside = pair.tokens.1;
    let rows = sqlx::query_scalar("SELECT count(*) FROM writers WHERE token = $1").bind(beside);
    let rows: i64 = rows.fetch_one(&mut pair.db).await.unwrap();
    assert_eq!(
        rows, 0,
        "the standby's writer was not fenced off: {restored}"
    );
    let restored_at = sqlx::query_scalar("SELECT max(seq) FROM events");
    let restored_at: i64 = restored_at.fetch_one(&mut pair.db).await.unwrap();

    // Past the end a's start would have had, the standby serves again with a new token, and
    // nothing its old writer wrote landed after the restore.
    let deadline = Instant::now() + Duration::from_secs(30);
    let rejoined = "SELECT count(*) FROM writers WHERE name IS NOT NULL AND token <> $1";
    loop {
        let rejoined = sqlx::query_scalar(rejoined).bind(beside);
        let rejoined: i64 = rejoined.fetch_one(&mut pair.db).await.unwrap();
        if rejoined == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the standby never joined again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep_until(ends_at.into()).await;
    let late = "SELECT count(*) FROM events WHERE writer = $1 AND seq > $2";
    let late = sqlx::query_scalar(late).bind(beside).bind(restored_at);
    let late: i64 = late.fetch_one(&mut pair.db).await.unwrap();
    assert_eq!(
        late, 0,
        "the fenced writer's late writes landed in the restored state"
    );
}
