//! Compaction of the action log: the world, its counts and its memory of operations survive it,
//! and a crash at any point of it loses and doubles nothing.

use super::tests::spec;
use super::world::World;
use super::*;

pub(super) fn config(compact_log_bytes: u64) -> SimConfig {
    SimConfig {
        jitter: 0.0,
        start: Duration::from_millis(1),
        stop: Duration::from_millis(1),
        compact_log_bytes,
        faults: vec![SimFault {
            resource: "HDFS".into(),
            action: Some(Action::Start),
            fail_next: Some(1),
            message: Some("disk full".into()),
            hang: false,
            take: None,
        }],
        ..SimConfig::default()
    }
}

const NAMES: [&str; 3] = ["HDFS", "Yarn", "Hive"];

/// Starts, stops and starts again every resource (HDFS's first start fails by rule); resets
/// Hive to `start_failed` at the end. Returns each resource's state afterwards.
pub(super) async fn exercise(sim: &SimDriver) -> Vec<Lifecycle> {
    for (i, action) in [Action::Start, Action::Stop, Action::Start]
        .into_iter()
        .enumerate()
    {
        for name in NAMES {
            let s = spec(name, Lifecycle::Stopped);
            sim.register(&s).await.unwrap();
            sim.perform(&s, action, &format!("task-{i}-{name}"))
                .await
                .unwrap();
            sim.wait_for(&s, action.target_state(), Duration::from_secs(5))
                .await
                .unwrap();
        }
    }
    let hive = spec("Hive", Lifecycle::Stopped);
    sim.reset(&hive, Lifecycle::StartFailed, Some("broken".into()))
        .await
        .unwrap();
    states(sim).await
}

pub(super) async fn states(sim: &SimDriver) -> Vec<Lifecycle> {
    let mut out = Vec::new();
    for name in NAMES {
        let s = spec(name, Lifecycle::Stopped);
        sim.register(&s).await.unwrap();
        out.push(sim.observe(&s).await.unwrap().state);
    }
    out
}

/// Every operation performed again after reopening is recognised: nothing is recorded.
async fn nothing_runs_twice(sim: &SimDriver, dir: &std::path::Path) {
    let before = performed(dir).unwrap();
    for (i, action) in [Action::Start, Action::Stop, Action::Start]
        .into_iter()
        .enumerate()
    {
        for name in NAMES {
            let s = spec(name, Lifecycle::Stopped);
            sim.perform(&s, action, &format!("task-{i}-{name}"))
                .await
                .unwrap();
        }
    }
    assert_eq!(performed(dir).unwrap(), before);
}

fn check_counts(dir: &std::path::Path) {
    let counts = performed(dir).unwrap();
    for name in ["Yarn", "Hive"] {
        let c = counts[&format!("mrs.1.{name}")];
        assert_eq!((c.start, c.stop, c.restart), (2, 1, 0), "{name}");
    }
    // HDFS's first start failed by rule; the second ran.
    assert_eq!(counts["mrs.1.HDFS"].start, 2);
}

#[tokio::test]
async fn compacting_after_every_action_keeps_the_world_its_counts_and_its_operations() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimDriver::open(dir.path(), config(1)).unwrap();
    let seen = exercise(&sim).await;
    assert_eq!(
        seen,
        [
            Lifecycle::Running,
            Lifecycle::Running,
            Lifecycle::StartFailed
        ]
    );
    assert!(dir.path().join("world.json").exists());
    // Compacted whenever the log outgrew the snapshot: the first entries are in the snapshot.
    assert!(read_log(dir.path()).unwrap()[0].seq > 1);
    check_counts(dir.path());
    drop(sim);

    let sim = SimDriver::open(dir.path(), config(1)).unwrap();
    assert_eq!(states(&sim).await, seen);
    assert_eq!(sim.rule_uses().get("sim-fault-0"), Some(&1));
    nothing_runs_twice(&sim, dir.path()).await;
    // The rule was used up before the compaction: the next start of HDFS succeeds.
    let hdfs = spec("HDFS", Lifecycle::Stopped);
    sim.perform(&hdfs, Action::Stop, "task-9-HDFS")
        .await
        .unwrap();
    sim.wait_for(&hdfs, Lifecycle::Stopped, Duration::from_secs(5))
        .await
        .unwrap();
    sim.perform(&hdfs, Action::Start, "task-10-HDFS")
        .await
        .unwrap();
    let running = sim.wait_for(&hdfs, Lifecycle::Running, Duration::from_secs(5));
    assert_eq!(running.await.unwrap().state, Lifecycle::Running);
}

/// The files a crash at each point of a compaction leaves: reopened, the world is the same.
#[tokio::test]
async fn a_crash_at_any_point_of_a_compaction_loses_and_doubles_nothing() {
    for crash in ["torn temporary", "snapshot renamed, log whole", "done"] {
        let dir = tempfile::tempdir().unwrap();
        let sim = SimDriver::open(dir.path(), config(u64::MAX)).unwrap();
        let seen = exercise(&sim).await;
        drop(sim);
        {
            let world = World::open(dir.path(), u64::MAX).unwrap();
            match crash {
                "torn temporary" => {
                    std::fs::write(dir.path().join("world.json.tmp"), b"{\"seq\": 4, \"rul")
                        .unwrap();
                }
                "snapshot renamed, log whole" => {
                    snapshot::write_snapshot(&world).unwrap();
                }
                _ => {
                    snapshot::compact(&world).unwrap();
                }
            }
        }
        let log = read_log(dir.path()).unwrap();
        assert_eq!(log.is_empty(), crash != "torn temporary", "{crash}");
        check_counts(dir.path());
        let sim = SimDriver::open(dir.path(), config(u64::MAX)).unwrap();
        assert_eq!(states(&sim).await, seen, "{crash}");
        assert_eq!(sim.rule_uses().get("sim-fault-0"), Some(&1), "{crash}");
        nothing_runs_twice(&sim, dir.path()).await;
        check_counts(dir.path());
    }
}
