//! The simulated world's journal written by several replicas (migration 0010): entries are
//! numbered in commit order across writers, each answer brings the others' entries before the
//! appended one, a reader behind a compaction is told to load the journal again, and a writer
//! fenced off appends nothing.

mod common;

use std::time::Duration;
use switchboard_core::sim_journal::{Following, SimJournal};

#[tokio::test]
async fn writers_share_one_numbered_journal() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let leader = common::leader(&url).await;
    let member = common::member(&url, "beside").await;
    let (a, _) = leader.sim_journal().await.unwrap();
    let (b, _) = member.sim_journal().await.unwrap();

    // Both append at once, each from the position its last answer left it at.
    let append = |journal: &'static dyn SimJournal, name: &'static str| async move {
        let mut after = 0;
        for i in 0..100 {
            let line = format!("{name} {i}");
            let answer = journal.append(after, line.clone()).await.unwrap().unwrap();
            let (last, own) = answer.last().unwrap();
            assert_eq!(own, &line, "the answer ends with the appended entry");
            let numbers: Vec<u64> = answer.iter().map(|(s, _)| *s).collect();
            let expected: Vec<u64> = (after + 1..=*last).collect();
            assert_eq!(numbers, expected, "the answer skips an entry");
            after = *last;
        }
        after
    };
    let (a, b): (&'static dyn SimJournal, &'static dyn SimJournal) =
        (Box::leak(Box::new(a)), Box::leak(Box::new(b)));
    let (ends_a, ends_b) = tokio::join!(append(a, "a"), append(b, "b"));
    assert_eq!(ends_a.max(ends_b), 200);
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT seq, token FROM sim_journal ORDER BY seq")
        .fetch_all(leader.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 200);
    assert!(rows
        .iter()
        .enumerate()
        .all(|(i, (s, _))| *s == i as i64 + 1));
    assert!(rows.iter().any(|(_, t)| *t == member.token()));

    let Following::Entries(read) = b.read_after(150).await.unwrap().unwrap() else {
        panic!("nothing was compacted yet");
    };
    assert_eq!(read.first().map(|e| e.0), Some(151));
    assert_eq!(read.len(), 50);

    // Two compactions: the entries up to the first snapshot go, those since it stay.
    a.compact(100, "at 100".into());
    a.append(200, "a 100".into()).await.unwrap().unwrap();
    a.compact(150, "at 150".into());
    a.append(201, "a 101".into()).await.unwrap().unwrap();
    let Following::Entries(read) = b.read_after(120).await.unwrap().unwrap() else {
        panic!("entries since the snapshot before the last were compacted away");
    };
    assert_eq!(read.len(), 82);
    let Following::Reopen(contents) = b.read_after(50).await.unwrap().unwrap() else {
        panic!("a reader behind the compaction was not told to load again");
    };
    assert_eq!(contents.snapshot.as_deref(), Some("at 150"));
    assert_eq!(contents.entries.first().map(|e| e.0), Some(151));
    let Following::Entries(none) = b.read_after(202).await.unwrap().unwrap() else {
        panic!("a reader at the head was told to load again");
    };
    assert!(none.is_empty());

    // A writer fenced off appends nothing.
    member.leave();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(b.append(202, "late".into()).await.unwrap().is_err());
    let head: i64 = sqlx::query_scalar("SELECT seq FROM sim_head")
        .fetch_one(leader.pool())
        .await
        .unwrap();
    assert_eq!(head, 202);
}
