//! The engine against the real SQLite store and the sim driver.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::inventory::{ClusterSpec, DomainSpec, ProjectSpec, ServiceSpec};
use switchboard_core::{Action, Driver, Inventory, Lifecycle, StepState, TaskState};
use switchboard_drivers::sim::{read_log, SimConfig, SimDriver, SimFault};
use switchboard_engine::{Engine, EngineConfig, Operation, SubmitError};
use switchboard_store::{SqliteStore, Store, Synchronous};

const P: &str = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b";
const WAIT: Duration = Duration::from_secs(20);

fn inventory() -> Inventory {
    let svc = |name: &str, deps: &[&str]| ServiceSpec {
        name: name.into(),
        depends_on: deps.iter().map(|d| d.to_string()).collect(),
        state: Lifecycle::Stopped,
        driver: "sim".into(),
        config: serde_json::json!({"start": "150ms", "stop": "100ms"}),
    };
    Inventory {
        domains: vec![DomainSpec {
            id: "d1".into(),
            name: "switchboard".into(),
        }],
        projects: vec![ProjectSpec {
            id: P.into(),
            name: "local-1".into(),
            domain: "switchboard".into(),
        }],
        clusters: vec![ClusterSpec {
            id: 1,
            project: "local-1".into(),
            name: "demo".into(),
            version: "3.1.0".into(),
            services: vec![
                svc("ZooKeeper", &[]),
                svc("DBService", &[]),
                svc("LdapServer", &[]),
                svc("HDFS", &["ZooKeeper"]),
                svc("Yarn", &["HDFS", "ZooKeeper"]),
                svc("Hive", &["HDFS", "Yarn", "DBService", "ZooKeeper"]),
                svc("Kafka", &["ZooKeeper"]),
            ],
        }],
        ..Inventory::default()
    }
}

struct Harness {
    engine: Engine,
    dir: tempfile::TempDir,
}

async fn harness(faults: Vec<SimFault>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path(), Synchronous::Normal)
            .await
            .unwrap(),
    );
    let inv = inventory();
    let specs = inv.resources().unwrap();
    store
        .sync_inventory(
            &[("d1".into(), "switchboard".into())],
            &[(P.into(), "local-1".into(), "d1".into())],
            &specs,
        )
        .await
        .unwrap();
    let sim = SimDriver::open(
        &dir.path().join("sim"),
        SimConfig {
            jitter: 0.0,
            faults,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let drivers: HashMap<String, Arc<dyn Driver>> =
        HashMap::from([("sim".to_string(), Arc::new(sim) as Arc<dyn Driver>)]);
    let config = EngineConfig {
        retry_backoff: Duration::from_millis(10),
        ..EngineConfig::default()
    };
    let engine = Engine::open(store, drivers, config).await.unwrap();
    Harness { engine, dir }
}

fn op(target: &str, action: Action, only_self: bool) -> Operation {
    Operation {
        project_id: P.into(),
        kind: "mrs.service".into(),
        targets: vec![format!("mrs.1.{target}")],
        action,
        only_self,
        principal: "admin@d1".into(),
        request_id: "req".into(),
        source: None,
        audit_action: format!("mrs:service:{}", action.as_str()),
    }
}

impl Harness {
    async fn run(&self, target: &str, action: Action, only_self: bool) -> (i64, TaskState) {
        let s = self
            .engine
            .submit(op(target, action, only_self))
            .await
            .unwrap();
        (
            s.task_id,
            self.engine.wait(s.task_id, WAIT).await.unwrap().unwrap(),
        )
    }

    fn state(&self, name: &str) -> Lifecycle {
        self.engine
            .resource(&format!("mrs.1.{name}"))
            .unwrap()
            .state
    }

    /// (resource name, action, at_ms, until_ms) of every performed action.
    fn log(&self) -> Vec<(String, Action, i64, i64)> {
        read_log(&self.dir.path().join("sim"))
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.resource.trim_start_matches("mrs.1.").to_string(),
                    e.action,
                    e.at_ms,
                    e.until_ms,
                )
            })
            .collect()
    }
}

#[tokio::test]
async fn start_with_dependencies_runs_them_first_and_completes() {
    let h = harness(vec![]).await;
    let (_, state) = h.run("HDFS", Action::Start, false).await;
    assert_eq!(state, TaskState::Complete);
    assert_eq!(h.state("HDFS"), Lifecycle::Running);
    assert_eq!(h.state("ZooKeeper"), Lifecycle::Running);
    let log = h.log();
    assert_eq!(
        log.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        vec!["ZooKeeper", "HDFS"]
    );
    assert!(
        log[1].2 >= log[0].3,
        "HDFS starts only once ZooKeeper is ready"
    );
    let (_, again) = h.run("HDFS", Action::Start, false).await;
    assert_eq!(again, TaskState::Complete);
    assert_eq!(h.log().len(), 2, "nothing to do the second time");
}

#[tokio::test]
async fn only_self_start_with_a_stopped_dependency_fails_naming_it() {
    let h = harness(vec![]).await;
    let (id, state) = h.run("Hive", Action::Start, true).await;
    assert_eq!(state, TaskState::Failed);
    let view = h.engine.task(id).await.unwrap().unwrap();
    let err = view.task.error.unwrap();
    assert!(err.contains("HDFS"), "{err}");
    assert_eq!(h.state("Hive"), Lifecycle::StartFailed);
    assert!(h.log().is_empty(), "nothing was performed");
}

#[tokio::test]
async fn stop_with_dependents_stops_them_first() {
    let h = harness(vec![]).await;
    assert_eq!(
        h.run("Hive", Action::Start, false).await.1,
        TaskState::Complete
    );
    assert_eq!(
        h.run("Kafka", Action::Start, false).await.1,
        TaskState::Complete
    );
    let (_, state) = h.run("ZooKeeper", Action::Stop, false).await;
    assert_eq!(state, TaskState::Complete);
    for s in ["ZooKeeper", "HDFS", "Yarn", "Hive", "Kafka"] {
        assert_eq!(h.state(s), Lifecycle::Stopped, "{s}");
    }
    assert_eq!(h.state("DBService"), Lifecycle::Running, "not a dependent");
    let stops: Vec<_> = h
        .log()
        .into_iter()
        .filter(|l| l.1 == Action::Stop)
        .collect();
    let zk = stops.iter().find(|l| l.0 == "ZooKeeper").unwrap();
    for dependent in stops.iter().filter(|l| l.0 != "ZooKeeper") {
        assert!(
            zk.2 >= dependent.3,
            "{} stopped before ZooKeeper",
            dependent.0
        );
    }
}

#[tokio::test]
async fn independent_services_start_concurrently() {
    let h = harness(vec![]).await;
    assert_eq!(
        h.run("Hive", Action::Start, false).await.1,
        TaskState::Complete
    );
    let log = h.log();
    let at = |n: &str| log.iter().find(|l| l.0 == n).unwrap().2;
    assert!(
        (at("ZooKeeper") - at("DBService")).abs() < 100,
        "the two roots start together: {log:?}"
    );
    let (first, last) = (
        log.iter().map(|l| l.2).min().unwrap(),
        log.iter().map(|l| l.3).max().unwrap(),
    );
    assert!(
        last - first < 3 * 150 + 200,
        "critical path is ZooKeeper, HDFS, Yarn, Hive"
    );
}

#[tokio::test]
async fn identical_concurrent_requests_share_a_task_and_conflicts_are_refused() {
    let h = harness(vec![]).await;
    let (a, b) = tokio::join!(
        h.engine.submit(op("HDFS", Action::Start, false)),
        h.engine.submit(op("HDFS", Action::Start, false))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.task_id, b.task_id);
    assert!(a.created != b.created);
    match h.engine.submit(op("ZooKeeper", Action::Stop, true)).await {
        Err(SubmitError::Conflict { resource, task, .. }) => {
            assert_eq!(resource, "mrs.1.ZooKeeper");
            assert_eq!(task, a.task_id);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A start that overlaps the running one follows it instead of acting twice.
    let yarn = h
        .engine
        .submit(op("Yarn", Action::Start, false))
        .await
        .unwrap();
    assert_ne!(yarn.task_id, a.task_id);
    assert_eq!(
        h.engine.wait(yarn.task_id, WAIT).await.unwrap(),
        Some(TaskState::Complete)
    );
    let log = h.log();
    assert_eq!(log.iter().filter(|l| l.0 == "HDFS").count(), 1, "{log:?}");
}

#[tokio::test]
async fn a_failed_step_skips_what_needs_it_and_retries_first() {
    let retried = SimFault {
        resource: "DBService".into(),
        action: Some(Action::Start),
        fail_next: Some(1),
        message: Some("transient".into()),
        hang: false,
        take: None,
    };
    let fatal = SimFault {
        resource: "HDFS".into(),
        fail_next: Some(9),
        message: Some("disk full".into()),
        ..retried.clone()
    };
    let h = harness(vec![retried, fatal]).await;
    let (id, state) = h.run("Hive", Action::Start, false).await;
    assert_eq!(state, TaskState::Failed);
    let view = h.engine.task(id).await.unwrap().unwrap();
    let by_name = |n: &str| {
        view.steps
            .iter()
            .find(|s| s.resource_name == n)
            .unwrap()
            .record
            .clone()
    };
    assert_eq!(by_name("HDFS").state, StepState::Failed);
    assert_eq!(by_name("HDFS").attempts, 3, "one try plus two retries");
    assert!(by_name("HDFS").error.unwrap().contains("disk full"));
    assert_eq!(by_name("Yarn").state, StepState::Skipped);
    assert_eq!(by_name("Hive").state, StepState::Skipped);
    assert_eq!(
        by_name("DBService").state,
        StepState::Done,
        "independent branch finished after a retry"
    );
    assert_eq!(by_name("DBService").attempts, 2);
    assert_eq!(h.state("HDFS"), Lifecycle::StartFailed);
    assert_eq!(
        h.state("Yarn"),
        Lifecycle::Stopped,
        "skipped resources return to their prior state"
    );
    assert!(view.task.error.unwrap().contains("disk full"));
}

#[tokio::test]
async fn cancel_stops_scheduling_and_progress_never_decreases() {
    let h = harness(vec![]).await;
    let s = h
        .engine
        .submit(op("Hive", Action::Start, false))
        .await
        .unwrap();
    let mut last = 0.0;
    for _ in 0..5 {
        let p = h
            .engine
            .task(s.task_id)
            .await
            .unwrap()
            .unwrap()
            .task
            .progress;
        assert!(p >= last);
        last = p;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let audit = switchboard_store::AuditRecord {
        id: 0,
        at: 0,
        principal: "admin".into(),
        project_id: Some(P.into()),
        action: "native:task:cancel".into(),
        target: Some(s.task_id.to_string()),
        request_id: "r".into(),
        source: None,
        outcome: "accepted".into(),
        detail: None,
    };
    h.engine.cancel(s.task_id, audit).await.unwrap().unwrap();
    assert_eq!(
        h.engine.wait(s.task_id, WAIT).await.unwrap(),
        Some(TaskState::Cancelled)
    );
    let view = h.engine.task(s.task_id).await.unwrap().unwrap();
    assert!(view
        .steps
        .iter()
        .any(|s| s.record.state == StepState::Cancelled));
    assert_eq!(h.state("Hive"), Lifecycle::Stopped);
    assert!(h
        .engine
        .resource("mrs.1.Hive")
        .unwrap()
        .active_task
        .is_none());
}
