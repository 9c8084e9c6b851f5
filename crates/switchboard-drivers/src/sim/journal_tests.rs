//! The simulated world kept in a journal (the database's, when replicas share it), here one in
//! memory: compacted into its snapshot as it grows, reopened from it whole, and an entry the
//! journal refuses (a replica that lost its lease) is not performed.

use super::compaction_tests::{config, exercise, states};
use super::tests::spec;
use super::*;
use std::collections::BTreeMap;
use switchboard_core::sim_journal::{Durable, Followed, Following};
use tokio::sync::oneshot;

/// A journal in memory, numbered as the database's is, that keeps the entries since the
/// snapshot before the last one.
#[derive(Default)]
pub(super) struct MemoryJournal {
    kept: Mutex<Kept>,
    refuse: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Kept {
    snapshot: Option<(u64, String)>,
    entries: BTreeMap<u64, String>,
    head: u64,
}

impl MemoryJournal {
    pub(super) fn contents(&self) -> JournalContents {
        let kept = self.kept.lock().unwrap();
        let covered = kept.snapshot.as_ref().map_or(0, |s| s.0);
        JournalContents {
            snapshot: kept.snapshot.as_ref().map(|s| s.1.clone()),
            entries: kept
                .entries
                .range(covered + 1..)
                .map(|(s, e)| (*s, e.clone()))
                .collect(),
        }
    }
}

impl SimJournal for MemoryJournal {
    fn append(&self, after: u64, line: String) -> Durable {
        let (done, durable) = oneshot::channel();
        if self.refuse.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = done.send(Err("this writer was fenced off".into()));
        } else {
            let mut kept = self.kept.lock().unwrap();
            kept.head += 1;
            let head = kept.head;
            kept.entries.insert(head, line);
            let answer = kept
                .entries
                .range(after + 1..)
                .map(|(s, e)| (*s, e.clone()));
            let _ = done.send(Ok(Arc::new(answer.collect())));
        }
        durable
    }

    fn compact(&self, seq: u64, doc: String) {
        let mut kept = self.kept.lock().unwrap();
        let replaced = kept.snapshot.as_ref().map_or(0, |s| s.0);
        if replaced < seq {
            kept.snapshot = Some((seq, doc));
            kept.entries.retain(|s, _| *s > replaced);
        }
    }

    fn read_after(&self, after: u64) -> Followed {
        let (done, followed) = oneshot::channel();
        let kept = self.kept.lock().unwrap();
        let entries: Vec<_> = kept
            .entries
            .range(after + 1..)
            .map(|(s, e)| (*s, e.clone()))
            .collect();
        let whole = entries
            .first()
            .map_or(kept.head <= after, |(s, _)| *s == after + 1);
        drop(kept);
        let following = if whole {
            Following::Entries(entries)
        } else {
            Following::Reopen(self.contents())
        };
        let _ = done.send(Ok(following));
        followed
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

/// Two replicas' worlds on one journal: each applies what the other performed before it acts,
/// recognises the other's operations, counts the fault rules' uses together, and one that fell
/// behind a compaction loads the journal again.
#[tokio::test]
async fn replicas_sharing_a_journal_see_one_world() {
    let journal = Arc::new(MemoryJournal::default());
    let open = |compact| {
        let contents = journal.contents();
        SimDriver::open_journal(journal.clone(), contents, config(compact)).unwrap()
    };
    let (a, b) = (open(1), open(u64::MAX));
    let hdfs = spec("HDFS", Lifecycle::Stopped);
    let yarn = spec("Yarn", Lifecycle::Stopped);
    for s in [&hdfs, &yarn] {
        a.register(s).await.unwrap();
        b.register(s).await.unwrap();
    }
    // The rule fails HDFS's next start once, whichever replica performs it.
    a.perform(&hdfs, Action::Start, "task-1-HDFS")
        .await
        .unwrap();
    let failed = a.wait_for(&hdfs, Lifecycle::Running, Duration::from_secs(5));
    assert_eq!(failed.await.unwrap().state, Lifecycle::StartFailed);
    // As a task starts running on `b`.
    b.catch_up().await.unwrap();
    assert_eq!(
        b.observe(&hdfs).await.unwrap().state,
        Lifecycle::StartFailed
    );
    b.perform(&hdfs, Action::Start, "task-2-HDFS")
        .await
        .unwrap();
    let started = b.wait_for(&hdfs, Lifecycle::Running, Duration::from_secs(5));
    assert_eq!(started.await.unwrap().state, Lifecycle::Running);
    a.catch_up().await.unwrap();
    assert_eq!(a.observe(&hdfs).await.unwrap().state, Lifecycle::Running);
    assert_eq!(b.rule_uses().get("sim-fault-0"), Some(&1));

    // An operation the other replica performed is recognised (a task taken over).
    let before = journal.kept.lock().unwrap().head;
    b.perform(&hdfs, Action::Start, "task-2-HDFS")
        .await
        .unwrap();
    a.perform(&hdfs, Action::Start, "task-2-HDFS")
        .await
        .unwrap();
    assert_eq!(
        journal.kept.lock().unwrap().head,
        before,
        "an operation ran twice"
    );

    // `a` compacts after every entry (keeping one generation): `b`, two behind, loads again.
    for (i, action) in [Action::Start, Action::Stop, Action::Start]
        .into_iter()
        .enumerate()
    {
        a.perform(&yarn, action, &format!("task-{i}-Yarn"))
            .await
            .unwrap();
        a.wait_for(&yarn, action.target_state(), Duration::from_secs(5))
            .await
            .unwrap();
    }
    assert!(journal.kept.lock().unwrap().snapshot.is_some());
    b.catch_up().await.unwrap();
    assert_eq!(b.observe(&yarn).await.unwrap().state, Lifecycle::Running);
    assert_eq!(b.lock().seq, journal.kept.lock().unwrap().head);
    let counts = |sim: &SimDriver| sim.lock().resources["mrs.1.Yarn"].performed;
    assert_eq!(counts(&a), counts(&b));
    assert_eq!((counts(&b).start, counts(&b).stop), (2, 1));
}
