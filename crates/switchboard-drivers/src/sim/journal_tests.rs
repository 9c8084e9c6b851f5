//! The simulated world kept in a journal (the database's, when replicas share it), here one in
//! memory: compacted into its snapshot as it grows, reopened from it whole, and an entry the
//! journal refuses (a replica that lost its lease) is not performed.

use super::compaction_tests::{config, exercise, states};
use super::tests::spec;
use super::*;
use std::collections::BTreeMap;
use switchboard_core::sim_journal::Durable;
use tokio::sync::oneshot;

#[derive(Default)]
struct MemoryJournal {
    kept: Mutex<(Option<String>, BTreeMap<u64, String>)>,
    refuse: std::sync::atomic::AtomicBool,
}

impl MemoryJournal {
    fn contents(&self) -> JournalContents {
        let kept = self.kept.lock().unwrap();
        JournalContents {
            snapshot: kept.0.clone(),
            entries: kept.1.values().cloned().collect(),
        }
    }
}

impl SimJournal for MemoryJournal {
    fn append(&self, seq: u64, line: String) -> Durable {
        let (done, durable) = oneshot::channel();
        if self.refuse.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = done.send(Err("this replica no longer leads".into()));
        } else {
            self.kept.lock().unwrap().1.insert(seq, line);
            let _ = done.send(Ok(()));
        }
        durable
    }

    fn compact(&self, seq: u64, doc: String) {
        let mut kept = self.kept.lock().unwrap();
        kept.0 = Some(doc);
        kept.1.retain(|s, _| *s > seq);
    }
}

#[tokio::test]
async fn a_journal_compacts_and_reopens_to_the_same_world_with_nothing_run_twice() {
    let journal = Arc::new(MemoryJournal::default());
    let sim = SimDriver::open_journal(journal.clone(), JournalContents::default(), config(1));
    let sim = sim.unwrap();
    let seen = exercise(&sim).await;
    // Dropping the driver waits for the compaction in flight.
    drop(sim);
    let contents = journal.contents();
    assert!(contents.snapshot.is_some(), "never compacted");
    assert!(
        contents.entries.len() < 10,
        "{} entries left",
        contents.entries.len()
    );

    let sim = SimDriver::open_journal(journal.clone(), contents, config(u64::MAX)).unwrap();
    assert_eq!(states(&sim).await, seen);
    assert_eq!(sim.rule_uses().get("sim-fault-0"), Some(&1));
    let before = journal.contents().entries.len();
    for (i, action) in [Action::Start, Action::Stop, Action::Start]
        .into_iter()
        .enumerate()
    {
        for name in ["HDFS", "Yarn", "Hive"] {
            let s = spec(name, Lifecycle::Stopped);
            let op = format!("task-{i}-{name}");
            sim.perform(&s, action, &op).await.unwrap();
        }
    }
    assert_eq!(
        journal.contents().entries.len(),
        before,
        "an operation ran twice"
    );
}

#[tokio::test]
async fn an_action_the_journal_refuses_fails_and_is_not_kept() {
    let journal = Arc::new(MemoryJournal::default());
    let sim = SimDriver::open_journal(
        journal.clone(),
        JournalContents::default(),
        config(u64::MAX),
    );
    let sim = sim.unwrap();
    let hdfs = spec("Yarn", Lifecycle::Stopped);
    sim.register(&hdfs).await.unwrap();
    journal
        .refuse
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let refused = sim.perform(&hdfs, Action::Start, "op-1").await;
    assert!(
        matches!(refused, Err(DriverError::Failed(_))),
        "{refused:?}"
    );
    assert!(journal.contents().entries.is_empty());
}
