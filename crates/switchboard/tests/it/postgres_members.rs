//! A writer beside the leader (`PgStore::open_member`, an engine that only accepts): it accepts
//! an operation with a token of its own; the leader's world learns of the task from the events
//! the database numbered for it, shows its resource pending, refuses a conflicting request in
//! MRS's words and runs the task, once; its event stream tells of the task live, in order. The
//! member's world learns of the task's end the same way, and frees the resource for its next
//! accept.

use crate::common;
use crate::postgres_replicas::KEY;

use common::binary::{free_port, get, token, Server};
use serde_json::{json, Value};
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_core::inventory::Inventory;
use switchboard_core::{Action, TaskState};
use switchboard_drivers::SimDriver;
use switchboard_engine::{Engine, EngineConfig, Operation, SubmitError};
use switchboard_store::{AuditRecord, PgStore, Replica, Store, StoreOptions};

/// An engine that only accepts, on a member writer of the database at `url`.
async fn member(url: &str, dir: &std::path::Path) -> (Engine, i64) {
    let replica = Replica {
        name: "member".into(),
        ..Replica::default()
    };
    let store = PgStore::open_member(url, &StoreOptions::default(), &replica)
        .await
        .unwrap();
    let token = store.token();
    let sim = SimDriver::open(&dir.join("sim"), Default::default()).unwrap();
    let drivers = switchboard::serve::drivers(sim, dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let engine = Engine::open_beside(store, drivers, EngineConfig::default())
        .await
        .unwrap();
    (engine, token)
}

/// A leader on the database at `url`, an admin token of it, and a member beside it.
struct Pair {
    leader: Server,
    tok: String,
    engine: Engine,
    member_token: i64,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn pair(url: &str) -> Pair {
    let (dir, member_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let leader = Server::launch(dir.path(), free_port(), &["--database-url", url], &[KEY]);
    leader.wait_up(Duration::from_secs(30)).await;
    let tok = token(&leader.base).await;
    let (engine, member_token) = member(url, member_dir.path()).await;
    Pair {
        leader,
        tok,
        engine,
        member_token,
        _dirs: (dir, member_dir),
    }
}

fn operation(project: &str, zk: &str, action: Action, request: &str) -> Operation {
    Operation {
        project_id: project.into(),
        kind: "mrs.service".into(),
        targets: vec![zk.into()],
        action,
        only_self: true,
        principal: "member-test".into(),
        request_id: request.into(),
        source: None,
        audit_action: format!("mrs:service:{}", action.as_str()),
    }
}

async fn zookeeper(base: &str, tok: &str) -> Value {
    let page = get(base, tok, "/switchboard/v1/resources?limit=1000").await;
    let found = page["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "ZooKeeper");
    found.cloned().unwrap_or_else(|| panic!("{page}"))
}

/// Waits until `check` holds, for up to 20 s.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_member_accepts_and_the_leader_runs_the_task() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let Pair {
        leader,
        tok,
        engine,
        member_token,
        _dirs,
    } = pair(&url).await;
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let (zk, project): (String, String) = sqlx::query_as(
        "SELECT id, project_id FROM resources WHERE name = 'ZooKeeper' AND cluster_id = 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(zookeeper(&leader.base, &tok).await["state"], "stopped");
    let mut stream = common::sse::Events::open(&leader.base, &tok, "", None).await;
    let started = engine
        .submit(operation(&project, &zk, Action::Start, "req-member-1"))
        .await
        .unwrap();
    assert!(started.created);
    assert_eq!(started.state, TaskState::InProgress);
    let id = started.task_id;
    assert!(
        id > 1024,
        "the member's ids are from a block of its own: {id}"
    );

    // The leader's world shows the pending state (never written to a row: it came with the
    // events), and refuses another operation on ZooKeeper, naming the member's task.
    until("the leader showed ZooKeeper starting", || async {
        zookeeper(&leader.base, &tok).await["state"] == "starting"
    })
    .await;
    let (status, refusal) =
        crate::postgres_conflicts::maintain(&leader.base, &tok, (1, "ZooKeeper"), "stop", true)
            .await;
    assert_eq!(status, 409, "{refusal}");
    assert!(refusal.to_string().contains(&id.to_string()), "{refusal}");

    // The leader's event stream tells of the task live, from its acceptance by the member to
    // its end, in the order the database numbered the events.
    let told = stream.until_finished(id).await;
    let ids: Vec<i64> = told.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    let created = told
        .iter()
        .find(|e| e.kind == "task.created")
        .expect("task.created");
    assert_eq!(created.data["task"]["id"], id, "{told:#?}");
    assert_eq!(created.data["task"]["principal"], "member-test");

    // The leader runs it to its end; the member's world hears of it and accepts a stop.
    let path = format!("/switchboard/v1/tasks/{id}");
    until("the task finished", || async {
        get(&leader.base, &tok, &path).await["state"] != "IN_PROGRESS"
    })
    .await;
    let task = get(&leader.base, &tok, &path).await;
    assert_eq!(task["state"], "COMPLETE", "{task}");
    assert_eq!(zookeeper(&leader.base, &tok).await["state"], "running");
    let log = common::postgres::sim_log(&mut db).await;
    assert_eq!(log.len(), 1, "ZooKeeper was started once: {log:?}");
    let leader_token: i64 = sqlx::query_scalar("SELECT token FROM serving_lease")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(log[0].1, leader_token, "the leader performed it");
    let writers: Vec<(String, i64)> = sqlx::query_as(
        "SELECT type, writer FROM events WHERE task_id = $1 AND type LIKE 'task.%' ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(
        writers.first(),
        Some(&("task.created".into(), member_token))
    );
    assert_eq!(
        writers.last(),
        Some(&("task.finished".into(), leader_token))
    );

    until("the member saw the task end", || async {
        engine
            .resource(&zk)
            .is_some_and(|r| r.active_task.is_none())
    })
    .await;
    let stopped = engine
        .submit(operation(&project, &zk, Action::Stop, "req-member-2"))
        .await;
    assert!(
        matches!(&stopped, Ok(s) if s.created),
        "the member still held ZooKeeper: {:?}",
        stopped.map_err(|e: SubmitError| e.to_string())
    );
}

/// The id of the MRS service the member creates (`Inventory::service_id` of cluster 1).
const MEMBER_MADE: &str = "mrs.1.MemberMade";

fn audit(action: &str, target: &str) -> AuditRecord {
    AuditRecord {
        id: 0,
        at: switchboard_core::now_millis(),
        principal: "member-test".into(),
        project_id: None,
        action: action.into(),
        target: Some(target.into()),
        request_id: format!("req-{action}"),
        source: None,
        outcome: "accepted".into(),
        detail: None,
    }
}

async fn names(base: &str, tok: &str) -> Vec<String> {
    let page = get(base, tok, "/switchboard/v1/resources?limit=1000").await;
    let all = page["resources"].as_array().unwrap().iter();
    all.map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn resources_a_member_creates_or_deletes_and_its_cancels_reach_the_leader() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let Pair {
        leader,
        tok,
        engine,
        _dirs,
        ..
    } = pair(&url).await;

    // A service the member creates (a copy of ZooKeeper's, on its own) is the leader's to show
    // and to run.
    let zk = engine.resources_named("ZooKeeper")[0].spec.clone();
    let mut spec = (*zk).clone();
    spec.id = MEMBER_MADE.into();
    spec.name = "MemberMade".into();
    spec.depends_on.clear();
    engine
        .add_resource(spec.clone(), audit("create", MEMBER_MADE))
        .await
        .unwrap();
    // (MRS's summary of a service is the leader's world's, where the listing is the table's.)
    let held = |name: &'static str| {
        let (base, tok) = (leader.base.clone(), tok.clone());
        let path = format!("/web/v1/cluster/1/services/{name}");
        async move { get(&base, &tok, &path).await["res_obj"].is_object() }
    };
    until("the leader's world held the member's service", || {
        held("MemberMade")
    })
    .await;
    assert!(names(&leader.base, &tok).await.contains(&spec.name));
    let (status, started) =
        crate::postgres_conflicts::maintain(&leader.base, &tok, (1, "MemberMade"), "start", true)
            .await;
    assert_eq!(status, 200, "{started}");
    let id = started["id"].as_i64().unwrap();
    let done = crate::postgres_replicas::finished(&leader.base, &tok, id, 0.0).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let log = common::postgres::sim_log(&mut db).await;
    assert!(
        log.iter().any(|(e, _)| e.resource == MEMBER_MADE),
        "{log:?}"
    );

    // A cancel the member accepts stops the task the leader runs.
    let spark = engine.resources_named("Spark")[0].spec.clone();
    let mut op = operation(&spark.project_id, &spark.id, Action::Start, "req-spark");
    op.only_self = false;
    let submitted = engine.submit(op).await.unwrap();
    let path = format!("/switchboard/v1/tasks/{}", submitted.task_id);
    // Running on the leader first: the cancel reaches it as an event, not with the task.
    until("the leader ran a step", || async {
        let task = get(&leader.base, &tok, &path).await;
        let steps = task["steps"].as_array().cloned().unwrap_or_default();
        steps.iter().any(|s| s["state"] == "RUNNING")
    })
    .await;
    engine
        .cancel(submitted.task_id, audit("cancel", &spark.id))
        .await
        .unwrap();
    until("the task ended", || async {
        get(&leader.base, &tok, &path).await["state"] != "IN_PROGRESS"
    })
    .await;
    let task = get(&leader.base, &tok, &path).await;
    assert_eq!(task["state"], "CANCELLED", "{task}");

    // Once the member sees its service free again, it deletes it, and the leader no longer
    // shows it.
    until("the member saw the service free", || async {
        engine
            .resource(MEMBER_MADE)
            .is_some_and(|r| r.active_task.is_none())
    })
    .await;
    engine
        .remove_resource(MEMBER_MADE, audit("delete", MEMBER_MADE))
        .await
        .unwrap();
    until(
        "the leader's world dropped the member's service",
        || async { !held("MemberMade").await },
    )
    .await;
    assert!(!names(&leader.base, &tok).await.contains(&spec.name));

    // A reset through the leader deletes what was created at run time and puts the inventory's
    // resources back: the member's world follows, a service it created is gone, and Spark's
    // dependencies show stopped again.
    spec.id = Inventory::service_id(1, "MemberMade2");
    spec.name = "MemberMade2".into();
    engine
        .add_resource(spec.clone(), audit("create", &spec.id))
        .await
        .unwrap();
    until("the leader's world held the second service", || {
        held("MemberMade2")
    })
    .await;
    let reset =
        common::binary::post(&leader.base, &tok, "/switchboard/v1/state/reset", json!({})).await;
    assert!(reset["reset"]["resources"].as_u64() > Some(0), "{reset}");
    until("the member saw the second service deleted", || async {
        engine.resource(&spec.id).is_none()
    })
    .await;
    until("the member saw ZooKeeper stopped", || async {
        engine
            .resource(&zk.id)
            .is_some_and(|r| r.state == switchboard_core::Lifecycle::Stopped)
    })
    .await;
}
