//! Tasks accepted before plans were reduced stored every transitive prerequisite of a step;
//! such a task, resumed after a restart, still runs in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::inventory::{ClusterSpec, DomainSpec, ProjectSpec, ServiceSpec};
use switchboard_core::{Action, Driver, Inventory, Lifecycle, StepState, TaskState};
use switchboard_drivers::sim::{read_log, SimConfig, SimDriver};
use switchboard_engine::{Engine, EngineConfig};
use switchboard_store::{Priority, SqliteStore, StepRecord, Store, Synchronous, TaskRecord, Write};

const P: &str = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b";
const CHAIN: [&str; 4] = ["A", "B", "C", "D"];

fn inventory() -> Inventory {
    let services = CHAIN
        .iter()
        .enumerate()
        .map(|(i, name)| ServiceSpec {
            name: name.to_string(),
            depends_on: CHAIN[..i]
                .last()
                .map(|d| d.to_string())
                .into_iter()
                .collect(),
            state: Lifecycle::Stopped,
            driver: "sim".into(),
            config: serde_json::json!({"start": "30ms", "stop": "30ms"}),
        })
        .collect();
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
            name: "chain".into(),
            version: "3.1.0".into(),
            services,
        }],
        ..Inventory::default()
    }
}

/// The rows an accepted `start D` with dependencies had before: step i after every j < i.
fn transitive_task() -> Vec<Write> {
    let task = TaskRecord {
        id: 1,
        project_id: P.into(),
        kind: "mrs.service".into(),
        action: Action::Start,
        target_id: Some("mrs.1.D".into()),
        targets: vec!["mrs.1.D".into()],
        only_self: false,
        principal: "admin@d1".into(),
        request_id: "req".into(),
        state: TaskState::InProgress,
        progress: 0.0,
        error: None,
        created_at: 1,
        updated_at: 1,
        finished_at: None,
        cancel_requested: false,
        executor: None,
    };
    let steps: Vec<StepRecord> = CHAIN
        .iter()
        .enumerate()
        .map(|(i, name)| StepRecord {
            task_id: 1,
            idx: i,
            resource_id: format!("mrs.1.{name}"),
            action: Action::Start,
            follow_task: None,
            after: (0..i).collect(),
            state: StepState::Pending,
            attempts: 0,
            prior_state: Lifecycle::Stopped,
            expected_ms: 30,
            started_at: None,
            finished_at: None,
            error: None,
            output: None,
        })
        .collect();
    let mut writes: Vec<Write> = CHAIN
        .iter()
        .map(|name| Write::SetResource {
            id: format!("mrs.1.{name}"),
            state: Lifecycle::Starting,
            active_task: Some(1),
            last_error: None,
            updated_at: 1,
        })
        .collect();
    writes.insert(0, Write::InsertTask { task, steps });
    writes
}

#[tokio::test]
async fn a_task_with_transitive_prerequisites_resumes_and_runs_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path(), Synchronous::Normal)
            .await
            .unwrap(),
    );
    let specs = inventory().resources().unwrap();
    store
        .sync_inventory(
            &[("d1".into(), "switchboard".into())],
            &[(P.into(), "local-1".into(), "d1".into())],
            &specs,
        )
        .await
        .unwrap();
    store
        .commit(transitive_task(), Priority::Answer)
        .await
        .unwrap();
    let sim_config = SimConfig {
        jitter: 0.0,
        ..SimConfig::default()
    };
    let sim = SimDriver::open(&dir.path().join("sim"), sim_config).unwrap();
    let drivers: HashMap<String, Arc<dyn Driver>> =
        HashMap::from([("sim".to_string(), Arc::new(sim) as Arc<dyn Driver>)]);
    let engine = Engine::open(store, drivers, EngineConfig::default())
        .await
        .unwrap();

    let state = engine.wait(1, Duration::from_secs(20)).await.unwrap();
    assert_eq!(state, Some(TaskState::Complete));
    let log = read_log(&dir.path().join("sim")).unwrap();
    let order: Vec<&str> = log
        .iter()
        .map(|e| e.resource.trim_start_matches("mrs.1."))
        .collect();
    assert_eq!(order, CHAIN);
    for pair in log.windows(2) {
        assert!(
            pair[1].at_ms >= pair[0].until_ms,
            "each waits for the one before"
        );
    }
    for name in CHAIN {
        let r = engine.resource(&format!("mrs.1.{name}")).unwrap();
        assert_eq!(r.state, Lifecycle::Running);
    }
}
