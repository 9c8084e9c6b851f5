//! Standbys that serve (`[store] standbys = "serve"`): two `switchboard serve` processes on one
//! database, the second serving beside the leader. It accepts operations itself (with ids from
//! a block of its own) and runs them, in the simulated world the replicas share; what only the leader keeps (fault rules, a
//! reset) it passes on, and a rule set through it hits the very next request it serves; a token
//! revoked through the leader is refused by it at once; when the leader is killed it takes
//! over without a moment of not serving, and finishes the command it had accepted, no step
//! performed twice.

use crate::common;
use crate::postgres_conflicts::maintain;
use crate::postgres_replicas::KEY;

use common::binary::{free_port, get, token, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

const SERVE: (&str, &str) = ("SWITCHBOARD_STANDBYS", "serve");

/// A leader in `a` and a standby serving beside it in `b`, on `args` (`--database-url` among
/// them) and `env` (the shared key, and standbys serving, besides); both serve.
pub(crate) async fn serving_pair(
    (a, b): (&Path, &Path),
    args: &[&str],
    env: &[(&str, &str)],
) -> (Server, Server) {
    let env: Vec<(&str, &str)> = [KEY, SERVE]
        .into_iter()
        .chain(env.iter().copied())
        .collect();
    let leader = Server::launch(a, free_port(), args, &env);
    leader.wait_up(Duration::from_secs(30)).await;
    let member = Server::launch(b, free_port(), args, &env);
    member.wait_up(Duration::from_secs(30)).await;
    (leader, member)
}

/// Waits until `check` holds, for up to 30 s.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn status(base: &str, tok: &str, method: reqwest::Method, path: &str) -> StatusCode {
    reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("X-Auth-Token", tok)
        .send()
        .await
        .unwrap()
        .status()
}

async fn send(base: &str, tok: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let answer = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("X-Auth-Token", tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().await.unwrap()
}

/// Revokes `subject` through `base`, as `tok`.
async fn revoke(base: &str, tok: &str, subject: &str) {
    let revoked = reqwest::Client::new()
        .delete(format!("{base}/v3/auth/tokens"))
        .header("X-Auth-Token", tok)
        .header("X-Subject-Token", subject)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
}

async fn task_state(base: &str, tok: &str, id: i64) -> String {
    let task = get(base, tok, &format!("/switchboard/v1/tasks/{id}")).await;
    task["state"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_standby_serves_beside_the_leader_and_takes_over_without_a_pause() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["--database-url", &url];
    let (leader, member) = serving_pair((a.path(), b.path()), &args, &[]).await;
    let log = std::fs::read_to_string(b.path().join("server.log")).unwrap();
    assert!(log.contains("serving beside the leader"), "{log}");
    let tok = token(&member.base).await;
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();

    // It accepts itself: the task's id is from its own block, not the leader's.
    let (code, started) = maintain(&member.base, &tok, (1, "ZooKeeper"), "start", true).await;
    assert_eq!(code, 200, "{started}");
    let id = started["id"].as_i64().unwrap();
    assert!(id > 1024, "accepted by the member: {started}");
    until("the member ran its task", || async {
        task_state(&member.base, &tok, id).await == "COMPLETE"
    })
    .await;
    let beside: i64 = sqlx::query_scalar("SELECT token FROM writers WHERE name IS NOT NULL")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let log = common::postgres::sim_log(&mut db).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        log[0].1, beside,
        "the member performed it in the shared world"
    );

    // A fault rule set through the member is kept by the leader, and hits the member's very
    // next request (it passes every request on while rules are set); gone, it serves again.
    let rule = json!([{"family": "native", "operation": "list", "error": {"statusCode": 503}}]);
    let rules = send(
        &member.base,
        &tok,
        reqwest::Method::POST,
        "/switchboard/v1/faults",
        rule,
    )
    .await;
    let rule_id = rules[0]["id"].as_str().unwrap().to_string();
    let kept = get(&leader.base, &tok, "/switchboard/v1/faults").await;
    assert_eq!(kept[0]["id"], rule_id.as_str(), "{kept}");
    let tasks = "/switchboard/v1/tasks?limit=1";
    let faulted = status(&member.base, &tok, reqwest::Method::GET, tasks).await;
    assert_eq!(faulted, 503, "the rule hit the member's next request");
    let path = format!("/switchboard/v1/faults?id={rule_id}");
    let removed = status(&member.base, &tok, reqwest::Method::DELETE, &path).await;
    assert_eq!(removed, 200);
    // Counted: what it passed on (the rule set, the faulted list, the removal).
    let metrics = common::binary::metrics(&member.base, &tok).await;
    let passed = metrics
        .lines()
        .find(|l| l.starts_with(r#"switchboard_forwarded_requests_total{outcome="passed"}"#))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert!(passed.is_some_and(|n| n >= 3.0), "{passed:?}");
    // A request a replica passed on already is never passed on again (no loop).
    let looped = reqwest::Client::new()
        .get(format!("{}/switchboard/v1/faults", member.base))
        .header("X-Auth-Token", &tok)
        .header("X-Switchboard-Passed-On", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(looped.status(), 503);
    let served = status(&member.base, &tok, reqwest::Method::GET, tasks).await;
    assert_eq!(served, 200);

    // A token revoked through the leader is refused by the member at once, though it had
    // cached it.
    let other = token(&member.base).await;
    assert_eq!(
        status(&member.base, &other, reqwest::Method::GET, tasks).await,
        200
    );
    revoke(&leader.base, &tok, &other).await;
    assert_eq!(
        status(&member.base, &other, reqwest::Method::GET, tasks).await,
        401
    );

    // A reset through the member is the leader's; the member reads its world again.
    let reset = json!({"resources": true, "tasks": true});
    send(
        &member.base,
        &tok,
        reqwest::Method::POST,
        "/switchboard/v1/state/reset",
        reset,
    )
    .await;
    until("the member read its world again", || async {
        let log = std::fs::read_to_string(b.path().join("server.log")).unwrap();
        log.contains("reading it again")
    })
    .await;
    let zk = get(&member.base, &tok, "/web/v1/cluster/1/services/ZooKeeper").await;
    let running = zk["res_obj"]["key_property"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "Running Status"));
    assert_eq!(
        running.map(|p| &p["value"]),
        Some(&json!("Stopped")),
        "{zk}"
    );

    // The member accepts a long command and runs it; the leader is killed. The member takes
    // over, answering all along, its serving engine hands the task to its leading one between
    // steps, and the command finishes, no step performed twice.
    let (code, started) = maintain(&member.base, &tok, (1, "Spark"), "start", false).await;
    assert_eq!(code, 200, "{started}");
    let id = started["id"].as_i64().unwrap();
    until("a step was performed", || async {
        common::postgres::sim_log(&mut sqlx::PgConnection::connect(&url).await.unwrap())
            .await
            .len()
            > 1
    })
    .await;
    leader.kill9();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = reqwest::get(format!("{}/ready", member.base))
            .await
            .unwrap();
        assert_eq!(ready.status(), 200, "the member paused serving");
        if task_state(&member.base, &tok, id).await == "COMPLETE" {
            break;
        }
        assert!(Instant::now() < deadline, "the command never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = std::fs::read_to_string(b.path().join("server.log")).unwrap();
    assert!(log.contains("this replica leads now"), "{log}");
    let ops: Vec<String> = common::postgres::sim_log(&mut db)
        .await
        .into_iter()
        .map(|(e, _)| e.op)
        .collect();
    let once: HashSet<&String> = ops.iter().collect();
    assert_eq!(once.len(), ops.len(), "a step was performed twice: {ops:?}");
    // It left as a member: only the leader writes now.
    until("the member left", || async {
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        let writers: Vec<i64> = sqlx::query_scalar("SELECT token FROM writers")
            .fetch_all(&mut db)
            .await
            .unwrap();
        let lease: i64 = sqlx::query_scalar("SELECT token FROM serving_lease")
            .fetch_one(&mut db)
            .await
            .unwrap();
        writers == vec![lease]
    })
    .await;
}

/// A member paused (SIGSTOP) past its lease is removed by the leader, and a change announced
/// meanwhile does not wait for it beyond its lease; resumed, it finds itself fenced off, joins
/// again as a new writer, and serves.
#[tokio::test]
async fn a_member_paused_past_its_lease_is_fenced_off_and_joins_again() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["--database-url", &url];
    let lease = [("SWITCHBOARD_LEASE", "2s")];
    let (leader, member) = serving_pair((a.path(), b.path()), &args, &lease).await;
    let tok = token(&leader.base).await;
    let members = || async {
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        let tokens: Vec<i64> =
            sqlx::query_scalar("SELECT token FROM writers WHERE name IS NOT NULL")
                .fetch_all(&mut db)
                .await
                .unwrap();
        tokens
    };
    let first = members().await;
    assert_eq!(first.len(), 1, "{first:?}");
    // A token the member has cached, revoked while it is paused.
    let tasks = "/switchboard/v1/tasks?limit=1";
    let cached = token(&member.base).await;
    assert_eq!(
        status(&member.base, &cached, reqwest::Method::GET, tasks).await,
        200
    );

    member.signal("STOP");
    until("the leader removed the paused member", || async {
        members().await.is_empty()
    })
    .await;
    let started = Instant::now();
    let rule = json!([{"family": "native", "operation": "list", "latency_ms": 1}]);
    send(
        &leader.base,
        &tok,
        reqwest::Method::POST,
        "/switchboard/v1/faults",
        rule,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a change waited on a writer already removed: {:?}",
        started.elapsed()
    );

    revoke(&leader.base, &tok, &cached).await;

    member.signal("CONT");
    // Resumed, it does not serve from what it kept (its lease lapsed): not the revoked token.
    let resumed = status(&member.base, &cached, reqwest::Method::GET, tasks).await;
    assert_ne!(
        resumed, 200,
        "a member resumed past its lease served a revoked token"
    );
    until("the member joined again", || async {
        let now = members().await;
        now.len() == 1 && now != first
    })
    .await;
    until("the member serves again", || async {
        status(&member.base, &tok, reqwest::Method::GET, tasks).await == 200
    })
    .await;
    let log = std::fs::read_to_string(b.path().join("server.log")).unwrap();
    assert!(log.contains("joining again"), "{log}");
}
