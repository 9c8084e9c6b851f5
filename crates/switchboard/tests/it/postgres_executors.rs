//! Any replica runs tasks (migration 0009): a standby serving beside the leader runs what it
//! accepts on resources every replica reaches (here `exec` services, real shell commands
//! appending to a journal), under its own writer lease. Killed with `kill -9`, or paused past
//! its lease, in the middle of a three-step plan, the leader (the rescuer) removes its row, a
//! live replica claims the task and finishes it, re-observing the step that was under way
//! rather than starting its service again; progress never goes back, no service is started
//! twice, and the paused one, resumed, writes nothing more. A standby that takes the lead over
//! hands its task over between two steps.

use crate::common;
use crate::postgres_conflicts::maintain;
use crate::postgres_replicas::finished;
use crate::postgres_standbys_serve::serving_pair;

use common::binary::{token, Server};
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The demo with a cluster of three stopped `exec` services, a ← b ← c, each started in about
/// a second (once: a start finds its service up and does nothing), in `dir`.
fn config(dir: &Path) -> PathBuf {
    let d = dir.display();
    let service = |name: &str, deps: &str| {
        format!(
            "{{ name = \"{name}\", state = \"stopped\", driver = \"exec\", depends_on = [{deps}], \
             config = {{ start = \"if [ ! -f {d}/{name}.up ]; then echo start {name} >> \
             {d}/journal; sleep 1; touch {d}/{name}.up; fi\", stop = \"rm -f {d}/{name}.up\", \
             status = \"test -f {d}/{name}.up && exit 0 || exit 3\", timeout = \"10s\" }} }}"
        )
    };
    common::binary::demo_with_chain(dir, service)
}

fn journal(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("journal")).unwrap_or_default()
}

async fn until_journal(dir: &Path, has: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !journal(dir).contains(has) {
        assert!(Instant::now() < deadline, "{}", journal(dir));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn executor(db: &mut PgConnection, task: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT executor FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(db)
        .await
        .unwrap()
}

/// The writer tokens of the leader and of the one standby serving beside it.
async fn writers(db: &mut PgConnection) -> (i64, i64) {
    let leader = sqlx::query_scalar("SELECT token FROM serving_lease")
        .fetch_one(&mut *db)
        .await
        .unwrap();
    let member = sqlx::query_scalar("SELECT token FROM writers WHERE name IS NOT NULL")
        .fetch_one(&mut *db)
        .await
        .unwrap();
    (leader, member)
}

/// A leader and a standby serving beside it, with a 2 s lease, on the cluster of [`config`];
/// the standby has accepted the start of c and its dependencies, and runs it: it is starting b.
struct Running {
    leader: Server,
    member: Server,
    tok: String,
    task: i64,
    db: PgConnection,
    tokens: (i64, i64),
    work: tempfile::TempDir,
    dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn running_on_the_standby() -> Option<Running> {
    let url = common::postgres::database().await?;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let work = tempfile::tempdir().unwrap();
    let config = config(work.path());
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let env = [("SWITCHBOARD_LEASE", "2s")];
    let (leader, member) = serving_pair((a.path(), b.path()), &args, &env).await;
    let tok = token(&member.base).await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    let tokens = writers(&mut db).await;
    let (code, started) = maintain(&member.base, &tok, (2, "c"), "start", false).await;
    assert_eq!(code, 200, "{started}");
    let task = started["id"].as_i64().unwrap();
    assert_eq!(
        executor(&mut db, task).await,
        Some(tokens.1),
        "run where accepted"
    );
    until_journal(work.path(), "start b").await;
    Some(Running {
        leader,
        member,
        tok,
        task,
        db,
        tokens,
        work,
        dirs: (a, b),
    })
}

/// Waits until the command finished on `base`, its progress never going back, and checks that
/// every service was started once.
async fn finished_once_each(base: &str, (tok, task): (&str, i64), work: &Path) {
    let done = finished(base, tok, task, 0.0).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    assert_eq!(
        journal(work),
        "start a\nstart b\nstart c\n",
        "a service was started twice"
    );
}

/// Waits until the task's executor is `to`; how long that took from `since`.
async fn taken_over(db: &mut PgConnection, task: i64, to: i64, since: Instant) -> Duration {
    let deadline = since + Duration::from_secs(20);
    while executor(db, task).await != Some(to) {
        assert!(Instant::now() < deadline, "the task was never taken over");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    since.elapsed()
}

#[tokio::test]
async fn a_standby_killed_mid_plan_has_its_task_finished_by_a_live_replica() {
    let Some(mut r) = running_on_the_standby().await else {
        return;
    };
    let killed = Instant::now();
    r.member.kill9();
    let took = taken_over(&mut r.db, r.task, r.tokens.0, killed).await;
    println!(
        "task taken over {} ms after kill -9 (lease 2 s)",
        took.as_millis()
    );
    finished_once_each(&r.leader.base, (&r.tok, r.task), r.work.path()).await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM writers WHERE token = $1")
        .bind(r.tokens.1)
        .fetch_one(&mut r.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "the dead writer's row was left");
    let metrics = common::binary::metrics(&r.leader.base, &r.tok).await;
    assert!(
        metrics.contains("switchboard_tasks_taken_over_total 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_standby_paused_past_its_lease_writes_nothing_after_its_task_moved_on() {
    let Some(mut r) = running_on_the_standby().await else {
        return;
    };
    let paused = Instant::now();
    r.member.signal("STOP");
    let took = taken_over(&mut r.db, r.task, r.tokens.0, paused).await;
    println!(
        "task taken over {} ms after SIGSTOP (lease 2 s)",
        took.as_millis()
    );
    let done = finished(&r.leader.base, &r.tok, r.task, 0.0).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let fenced_at: i64 = sqlx::query_scalar("SELECT max(seq) FROM events")
        .fetch_one(&mut r.db)
        .await
        .unwrap();

    // Resumed, it finds its lease gone, stops the task, and joins again as a new writer.
    r.member.signal("CONT");
    let log = r.dirs.1.path().join("server.log");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("joining again") && text.matches("serving beside the leader").count() >= 2
        {
            break;
        }
        assert!(Instant::now() < deadline, "never joined again: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let late: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE writer = $1 AND seq > $2")
            .bind(r.tokens.1)
            .bind(fenced_at)
            .fetch_one(&mut r.db)
            .await
            .unwrap();
    assert_eq!(late, 0, "the fenced writer's late writes landed");
    let steps: Vec<String> =
        sqlx::query_scalar("SELECT state FROM steps WHERE task_id = $1 ORDER BY idx")
            .bind(r.task)
            .fetch_all(&mut r.db)
            .await
            .unwrap();
    assert_eq!(steps, ["DONE", "DONE", "DONE"]);
    assert_eq!(
        journal(r.work.path()),
        "start a\nstart b\nstart c\n",
        "a service was started twice"
    );
}

/// The leader killed while the standby runs the plan: the standby leads now, with an engine of
/// its own; the engine it served with hands the task over once the step under way has ended,
/// and the leading one claims it and finishes it. The start under way is not cut short and run
/// again.
#[tokio::test]
async fn a_standby_that_takes_over_hands_its_task_over_between_steps() {
    let Some(mut r) = running_on_the_standby().await else {
        return;
    };
    r.leader.kill9();
    finished_once_each(&r.member.base, (&r.tok, r.task), r.work.path()).await;
    let leading: i64 = sqlx::query_scalar("SELECT token FROM serving_lease")
        .fetch_one(&mut r.db)
        .await
        .unwrap();
    assert_eq!(executor(&mut r.db, r.task).await, Some(leading));
    let log = std::fs::read_to_string(r.dirs.1.path().join("server.log")).unwrap();
    assert!(log.contains("handed the task over"), "{log}");
}
