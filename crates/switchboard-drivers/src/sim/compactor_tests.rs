//! Compactions in the background: actions recorded while a snapshot is being written stay in
//! the log (rewritten without what the snapshot covers), and nothing is lost or doubled.

use super::tests::spec;
use super::*;

fn config() -> SimConfig {
    SimConfig {
        jitter: 0.0,
        start: Duration::from_millis(1),
        stop: Duration::from_millis(1),
        // Every action outgrows the snapshot: a compaction starts whenever none is running.
        compact_log_bytes: 1,
        ..SimConfig::default()
    }
}

const RESOURCES: usize = 200;

/// Starts then stops 200 resources as fast as they accept, from 8 tasks at once, so that
/// actions are recorded while compactions write their snapshots.
async fn drive(sim: &Arc<SimDriver>) {
    for (round, action) in [(0, Action::Start), (1, Action::Stop)] {
        let mut workers = Vec::new();
        for w in 0..8 {
            let sim = sim.clone();
            workers.push(tokio::spawn(async move {
                for i in (w..RESOURCES).step_by(8) {
                    let s = spec(&format!("s{i}"), Lifecycle::Stopped);
                    sim.register(&s).await.unwrap();
                    sim.perform(&s, action, &format!("task-{round}-{i}"))
                        .await
                        .unwrap();
                }
            }));
        }
        for w in workers {
            w.await.unwrap();
        }
        for i in 0..RESOURCES {
            let s = spec(&format!("s{i}"), Lifecycle::Stopped);
            let target = action.target_state();
            let seen = sim.wait_for(&s, target, Duration::from_secs(5)).await;
            assert_eq!(seen.unwrap().state, target, "s{i}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn actions_recorded_during_a_background_compaction_are_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Arc::new(SimDriver::open(dir.path(), config()).unwrap());
    drive(&sim).await;
    // Dropping the driver waits for the compaction in flight.
    drop(sim);
    assert!(dir.path().join("world.json").exists(), "compacted");
    let counts = performed(dir.path()).unwrap();
    assert_eq!(counts.len(), RESOURCES);
    for (id, c) in &counts {
        assert_eq!((c.start, c.stop, c.restart), (1, 1, 0), "{id}");
    }
    // Reopened, the world is the same, and every operation is recognised as performed.
    let sim = SimDriver::open(dir.path(), config()).unwrap();
    for i in 0..RESOURCES {
        let s = spec(&format!("s{i}"), Lifecycle::Stopped);
        sim.register(&s).await.unwrap();
        assert_eq!(sim.observe(&s).await.unwrap().state, Lifecycle::Stopped);
        sim.perform(&s, Action::Stop, &format!("task-1-{i}"))
            .await
            .unwrap();
    }
    drop(sim);
    assert_eq!(performed(dir.path()).unwrap(), counts, "nothing ran twice");
}
