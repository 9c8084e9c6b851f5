//! PostgreSQL replicas of one database: the serving lease (one leads, the next stands by until
//! the leader lets go), fencing of the writer and of the simulated world's journal once another
//! replica holds the lease, the journal's durability and compaction, and what replicas must
//! agree on (master key, inventory).

mod common;

use std::time::Duration;
use switchboard_core::sim_journal::SimJournal;
use switchboard_store::{CommitStore, PgStore, Priority, Replica, StoreError, StoreOptions, Write};

fn replica(name: &str, inventory: &str, key: &str) -> Replica {
    Replica {
        name: name.into(),
        lease: Duration::from_secs(10),
        inventory: Some(inventory.into()),
        master_key: Some(key.into()),
        ..Replica::default()
    }
}

async fn open(url: &str, replica: &Replica) -> Result<PgStore, StoreError> {
    PgStore::open_replica(url, &StoreOptions::default(), replica).await
}

#[tokio::test]
async fn the_next_replica_stands_by_until_the_leader_lets_go() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let a = open(&url, &replica("a", "inv", "key")).await.unwrap();
    // It would look again only after 30 s: the leader letting go tells it at once.
    let b = tokio::spawn({
        let url = url.clone();
        let slow_poll = Replica {
            poll: Duration::from_secs(30),
            ..replica("b", "inv", "key")
        };
        async move { open(&url, &slow_poll).await }
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!b.is_finished(), "two replicas lead at once");
    let token = a.token();
    drop(a);
    let b = tokio::time::timeout(Duration::from_secs(5), b)
        .await
        .expect("the standby never took over")
        .unwrap()
        .unwrap();
    assert!(b.token() > token, "a takeover raises the fencing token");
}

/// Sessions of this database listening for the lease's changes.
async fn listening(url: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND query LIKE 'LISTEN %switchboard_serving_lease%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

/// Waits up to 5 s for `listening` to be `n`.
async fn until_listening(url: &str, n: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while listening(url).await != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {n} listening"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_poll_only_standby_never_listens_and_still_takes_over() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let a = open(&url, &replica("a", "inv", "key")).await.unwrap();
    let listens = tokio::spawn({
        let url = url.clone();
        async move { open(&url, &replica("b", "inv", "key")).await }
    });
    until_listening(&url, 1).await;
    listens.abort();
    until_listening(&url, 0).await;
    // Behind PgBouncer in transaction mode: polling alone.
    let polls = tokio::spawn({
        let url = url.clone();
        let poll_only = Replica {
            listen: false,
            poll: Duration::from_millis(300),
            ..replica("c", "inv", "key")
        };
        async move { open(&url, &poll_only).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!polls.is_finished(), "two replicas lead at once");
    assert_eq!(listening(&url).await, 0, "a poll-only standby listened");
    let token = a.token();
    drop(a);
    let c = tokio::time::timeout(Duration::from_secs(5), polls)
        .await
        .expect("the poll-only standby never took over")
        .unwrap()
        .unwrap();
    assert!(c.token() > token);
}

#[tokio::test]
async fn a_replica_whose_lease_was_taken_over_writes_nothing() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let store = open(&url, &replica("a", "inv", "key")).await.unwrap();
    let (journal, contents) = store.sim_journal().await.unwrap();
    assert!(contents.snapshot.is_none() && contents.entries.is_empty());
    journal.append(0, "one".into()).await.unwrap().unwrap();
    store
        .commit(vec![Write::SetClockOffset(5)], Priority::Answer)
        .await
        .unwrap();

    // Another replica's takeover, as the standby's statement makes it.
    let pool = store.pool().clone();
    sqlx::query("UPDATE serving_lease SET token = token + 1, holder = 'b'")
        .execute(&pool)
        .await
        .unwrap();
    let refused = journal.append(1, "two".into()).await.unwrap();
    assert!(refused.is_err(), "the journal wrote without the lease");
    let commit = store
        .commit(vec![Write::SetClockOffset(9)], Priority::Answer)
        .await;
    assert!(matches!(commit, Err(StoreError::InUse(_))), "{commit:?}");
    let mut lost = store.lease_lost().unwrap();
    assert!(*lost.wait_for(|l| *l).await.unwrap());
    let entries: Vec<String> = sqlx::query_scalar("SELECT entry FROM sim_journal ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(entries, ["one"]);
    let offset: i64 = sqlx::query_scalar("SELECT offset_ms FROM sim_clock")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(offset, 5);
}

#[tokio::test]
async fn the_journal_keeps_its_entries_in_order_and_compacts_them_into_its_snapshot() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let store = open(&url, &replica("a", "inv", "key")).await.unwrap();
    let (journal, _) = store.sim_journal().await.unwrap();
    let mut answers = Vec::new();
    for seq in 1..=200u64 {
        answers.push(journal.append(seq - 1, format!("entry {seq}")));
        if seq == 150 {
            journal.compact(150, "snapshot at 150".into());
        }
    }
    for answer in answers {
        answer.await.unwrap().unwrap();
    }
    drop(journal);
    let (_, contents) = store.sim_journal().await.unwrap();
    assert_eq!(contents.snapshot.as_deref(), Some("snapshot at 150"));
    let expected: Vec<_> = (151..=200).map(|s| (s, format!("entry {s}"))).collect();
    assert_eq!(contents.entries, expected);
}

#[tokio::test]
async fn replicas_must_share_the_master_key_and_the_inventory() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let a = open(&url, &replica("a", "inv-1", "key-1")).await.unwrap();
    let other_key = open(&url, &replica("b", "inv-1", "key-2")).await;
    assert!(
        matches!(&other_key, Err(StoreError::Disagrees(why)) if why.contains("master key")),
        "{:?}",
        other_key.err()
    );
    // While `a` leads, another inventory is refused at once rather than standing by.
    let other_inventory = open(&url, &replica("b", "inv-2", "key-1")).await;
    assert!(
        matches!(&other_inventory, Err(StoreError::Disagrees(why)) if why.contains("inventory")),
        "{:?}",
        other_inventory.err()
    );
    // With no replica alive, a changed inventory is adopted.
    drop(a);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b = open(&url, &replica("b", "inv-2", "key-1")).await.unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT value FROM cluster_meta WHERE key = 'inventory'")
            .fetch_one(b.pool())
            .await
            .unwrap();
    assert_eq!(stored, "inv-2");
}

/// Whether `store` may act, if it finds out `within` milliseconds.
async fn acts(store: &PgStore, within: u64) -> Option<bool> {
    tokio::time::timeout(Duration::from_millis(within), store.may_act())
        .await
        .ok()
}

#[tokio::test]
async fn a_leader_whose_lease_may_have_expired_does_not_act() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let leader = Replica {
        lease: Duration::from_secs(1),
        ..replica("a", "inv", "key")
    };
    let store = open(&url, &leader).await.unwrap();
    assert_eq!(acts(&store, 100).await, Some(true));

    // The renewals are stuck behind a lock on the lease's row, as on a stalled database.
    use sqlx::Connection;
    let mut blocker = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut stalled = blocker.begin().await.unwrap();
    sqlx::query("SELECT token FROM serving_lease WHERE id = 0 FOR UPDATE")
        .fetch_one(&mut *stalled)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(acts(&store, 300).await, None, "it acted past its lease");
    stalled.commit().await.unwrap();
    assert_eq!(
        acts(&store, 2000).await,
        Some(true),
        "renewed, it acts again"
    );

    // Another replica's takeover (forced here; a real one waits for the expiry): once its next
    // renewal finds it out, it never acts again.
    sqlx::query("UPDATE serving_lease SET token = token + 1, holder = 'b'")
        .execute(store.pool())
        .await
        .unwrap();
    let mut lost = store.lease_lost().unwrap();
    tokio::time::timeout(Duration::from_secs(2), lost.wait_for(|l| *l))
        .await
        .expect("the renewal did not find the takeover")
        .unwrap();
    assert_eq!(acts(&store, 100).await, Some(false));
}
