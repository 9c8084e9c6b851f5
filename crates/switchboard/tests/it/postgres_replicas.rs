//! Three (or two) replicas on one PostgreSQL database, each with a data directory of its own:
//! one leads, the others stand by (passing requests on to it) and take over a command in flight
//! when the leader is killed or paused past its lease. The simulated world's journal in the database proves that
//! no step ran twice, and that a paused leader, resumed, acted no more.

use crate::common;

use common::binary::{free_port, get, post, token, Server};
use common::launch;
use common::sse::Events;
use serde_json::{json, Value};
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};
use switchboard_core::Action;

pub(crate) const KEY: (&str, &str) = ("SWITCHBOARD_MASTER_KEY", "replicas share this key");

/// A leader up on `url` and a standby beside it (standing by: it answers 503).
pub(crate) async fn pair(
    url: &str,
    a: &Path,
    b: &Path,
    env: &[(&str, &str)],
    extra: &[&str],
) -> (Server, Server) {
    let db: Vec<&str> = ["--database-url", url]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    let leader = Server::launch(a, free_port(), &db, env);
    leader.wait_up(Duration::from_secs(30)).await;
    (leader, standby(b, &db, env).await)
}

/// A replica started in `dir` beside a leader: it listens at once, and answers 503 in the
/// phase it is in, `standing_by`.
pub(crate) async fn standby(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let standby = Server::launch(dir, free_port(), args, env);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !standing_by(&standby).await {
        assert!(Instant::now() < deadline, "the replica never stood by");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(log.contains("standing by"), "{log}");
    standby
}

async fn standing_by(server: &Server) -> bool {
    let Ok(health) = reqwest::get(format!("{}/health", server.base)).await else {
        return false;
    };
    let status = health.status();
    let body: Value = health.json().await.unwrap();
    status == 503 && body["phase"] == "standing_by"
}

/// Starts Spark with its dependencies on `base`; its id once two steps are done and one runs.
async fn start_spark_midway(base: &str, tok: &str) -> (i64, f64) {
    let r = post(
        base,
        tok,
        "/web/v1/maintain/cluster/1/service/Spark/start",
        json!({"only_self": false}),
    )
    .await;
    let id = r["id"].as_i64().unwrap_or_else(|| panic!("{r}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p = progress(base, tok, id).await;
        let steps = p["res_obj"]["step_list"].as_array().unwrap().clone();
        let done = steps.iter().filter(|s| s["state"] == "DONE").count();
        if done >= 2 && steps.iter().any(|s| s["state"] == "RUNNING") {
            return (id, p["res_obj"]["progress"].as_f64().unwrap_or(0.0));
        }
        assert!(
            done < steps.len(),
            "finished before the takeover could happen"
        );
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn progress(base: &str, tok: &str, id: i64) -> Value {
    get(base, tok, &format!("/web/v1/common/command/{id}/progress")).await
}

/// Waits for the command to end on `base`; checks its progress never went below `floor`.
pub(crate) async fn finished(base: &str, tok: &str, id: i64, mut floor: f64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = progress(base, tok, id).await;
        let now = p["res_obj"]["progress"].as_f64().unwrap_or(0.0);
        assert!(
            now >= floor,
            "progress went back from {floor} to {now}: {p}"
        );
        floor = now;
        if p["state"] != "IN_PROGRESS" {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "never finished after the takeover"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Every step of the command performed once, all starts; the tokens of the replicas that
/// performed them, in order.
async fn performed_once(conn: &mut sqlx::PgConnection, done: &Value) -> Vec<i64> {
    let log = common::postgres::sim_log(conn).await;
    let planned = done["res_obj"]["step_list"].as_array().unwrap().len();
    assert_eq!(log.len(), planned, "each service started once: {log:?}");
    assert!(log.iter().all(|(e, _)| e.action == Action::Start));
    let mut resources: Vec<&str> = log.iter().map(|(e, _)| e.resource.as_str()).collect();
    resources.dedup();
    assert_eq!(resources.len(), planned);
    let mut tokens: Vec<i64> = log.iter().map(|(_, t)| *t).collect();
    tokens.dedup();
    tokens
}

#[tokio::test]
async fn a_standby_finishes_the_command_of_a_leader_killed_mid_step() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let dirs = [(); 3].map(|_| tempfile::tempdir().unwrap());
    let (leader, b) = pair(&url, dirs[0].path(), dirs[1].path(), &[KEY], &[]).await;
    let c = standby(dirs[2].path(), &["--database-url", url.as_str()], &[KEY]).await;
    // A client pointed at a standby is served by the leader: login, accept, event stream.
    let tok = token(&b.base).await;
    let mut events = Events::open(&c.base, &tok, "", None).await;
    let (id, before) = start_spark_midway(&b.base, &tok).await;
    let first = events
        .next(Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(first.data["task"]["id"], id, "{first:?}");
    let task = format!("/switchboard/v1/tasks/{id}");
    assert_eq!(get(&leader.base, &tok, &task).await["id"], id);

    let killed = Instant::now();
    leader.kill9();
    // One of the two standbys takes over; the other stands by and now passes requests on to it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (new_leader, other) = loop {
        if b.is_up().await {
            break (b, c);
        }
        if c.is_up().await {
            break (c, b);
        }
        assert!(Instant::now() < deadline, "no standby took over");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    eprintln!("takeover after kill -9: {:?}", killed.elapsed());
    assert!(standing_by(&other).await, "two replicas lead");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let through = reqwest::Client::new()
            .get(format!("{}{task}", other.base))
            .header("X-Auth-Token", &tok)
            .send()
            .await
            .unwrap();
        if through.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other standby never reached the new leader"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The token lives in the database: it works on the new leader.
    let done = finished(&new_leader.base, &tok, id, before).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let tokens = performed_once(&mut conn, &done).await;
    assert_eq!(
        tokens.len(),
        2,
        "first the leader's steps, then the standby's: {tokens:?}"
    );
    let finished_events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE task_id = $1 AND type = 'task.finished'",
    )
    .bind(id)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(finished_events, 1);

    // A replica started with another inventory refuses while this one leads, and says why.
    let elsewhere = tempfile::tempdir().unwrap();
    let extra = "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"extra\"\n\
                 version = \"3.1.0\"\nservices = [ { name = \"s0\" } ]\n";
    let config = launch::config_file(elsewhere.path(), extra);
    let mut refused = launch::serve(elsewhere.path(), free_port(), elsewhere.path(), None);
    refused
        .args(["--database-url", url.as_str(), "--config"])
        .arg(&config)
        .env(KEY.0, KEY.1);
    let (status, _) = launch::run_to_exit(refused, Duration::from_secs(30)).await;
    assert!(!status.success());
    let (_, stderr) = launch::output(elsewhere.path());
    assert!(stderr.contains("inventory differs"), "{stderr}");
    assert!(new_leader.is_up().await);
    assert!(standing_by(&other).await);
}

#[tokio::test]
async fn a_leader_paused_past_its_lease_is_taken_over_and_acts_no_more() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let env = [KEY, ("SWITCHBOARD_LEASE", "2s")];
    let (mut leader, standby) = pair(&url, a.path(), b.path(), &env, &[]).await;
    let tok = token(&leader.base).await;
    let (id, before) = start_spark_midway(&leader.base, &tok).await;

    let paused = Instant::now();
    leader.signal("STOP");
    // Passed on to the paused leader (its kernel still accepts the connection): cut when the
    // standby takes over, not left waiting for as long as the old leader stays paused.
    let passed_on = tokio::spawn(
        reqwest::Client::new()
            .get(format!("{}/switchboard/v1/tasks", standby.base))
            .header("X-Auth-Token", &tok)
            .send(),
    );
    standby.wait_up(Duration::from_secs(30)).await;
    eprintln!(
        "takeover of a paused leader (lease 2 s): {:?}",
        paused.elapsed()
    );
    let ended = tokio::time::timeout(Duration::from_secs(5), passed_on).await;
    let ended = ended.expect("a connection passed on to the paused leader was left hanging");
    assert!(ended.unwrap().is_err(), "answered by the paused leader?");
    let done = finished(&standby.base, &tok, id, before).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let head: i64 = sqlx::query_scalar("SELECT seq FROM event_head")
        .fetch_one(&mut conn)
        .await
        .unwrap();

    // Resumed, the old leader finds its lease gone at its first write or renewal, and stops.
    leader.signal("CONT");
    let status = leader.exited(Duration::from_secs(20)).await;
    assert!(!status.success());
    let log = std::fs::read_to_string(a.path().join("server.log")).unwrap();
    assert!(log.contains("took this database over"), "{log}");
    // It wrote nothing after the takeover: no action, no event, the task as the standby left it.
    let tokens = performed_once(&mut conn, &done).await;
    assert_eq!(
        tokens.len(),
        2,
        "first the leader's steps, then the standby's: {tokens:?}"
    );
    let head_after: i64 = sqlx::query_scalar("SELECT seq FROM event_head")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(head_after, head, "events written by the fenced leader");
    assert_eq!(progress(&standby.base, &tok, id).await["state"], "COMPLETE");
}
