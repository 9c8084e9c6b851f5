//! Writers of their own (migration 0007): the database, not the leader, numbers the events of
//! every replica that writes, in commit order, and each writer is fenced by its own row. The
//! leader writes through the store; a second writer, as another replica will, writes the same
//! calls by hand, at the same time; a reader follows the events meanwhile. The leader's hub
//! publishes both writers' events, in order.

mod common;

use sqlx::{Connection, PgPool};
use std::time::Duration;
use switchboard_store::{CommitStore, EventRecord, EventStore, PgStore, Priority, Replica, Write};

/// The token of the second writer (any token no serving lease has reached).
const OTHER: i64 = 1_000_000;
const GROUPS: usize = 150;

fn event(n: usize) -> Write {
    Write::Event(EventRecord {
        at: 1,
        project_id: "p1".into(),
        task_id: None,
        kind: "test.event",
        data: format!(r#"{{"n":{n}}}"#),
    })
}

/// Group `group` of the second writer: its numbers taken, three events, a pause before the
/// commit (so that the leader's groups wait on the event head), on a connection of its own.
async fn other_group(conn: &mut sqlx::PgConnection, group: i64) -> Result<i64, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let first: i64 = sqlx::query_scalar("SELECT switchboard_write_group($1, $2, 3)")
        .bind(OTHER)
        .bind(group)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO events (seq, writer, at, project_id, type, data) \
         SELECT s, $2, 1, 'p1', 'other.event', '{\"seq\":' || s || '}' \
         FROM generate_series($1::bigint, $1 + 2) s",
    )
    .bind(first)
    .bind(OTHER)
    .execute(&mut *tx)
    .await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    tx.commit().await?;
    Ok(first)
}

/// Follows the events until `total` were seen, failing on any number skipped: a number seen
/// before a smaller one has committed would be a reader's gap.
async fn follow(pool: PgPool, total: i64) -> Vec<(i64, i64)> {
    let mut seen: Vec<(i64, i64)> = Vec::new();
    while (seen.len() as i64) < total {
        let after = seen.last().map_or(0, |e| e.0);
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT seq, writer FROM events WHERE seq > $1 ORDER BY seq")
                .bind(after)
                .fetch_all(&pool)
                .await
                .unwrap();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.0, after + 1 + i as i64, "a reader skipped a number");
        }
        seen.extend(rows);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    seen
}

#[tokio::test]
async fn two_writers_events_are_numbered_in_commit_order() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let store = PgStore::open(&url).await.unwrap();
    let pool = store.pool().clone();
    sqlx::query("INSERT INTO writers (token) VALUES ($1)")
        .bind(OTHER)
        .execute(&pool)
        .await
        .unwrap();
    let mut published_rx = store.subscribe_events();
    let total = GROUPS as i64 * (2 + 3);
    let reader = tokio::spawn(follow(pool.clone(), total));

    // The writers take turns once, then run at once: each has a group before the other's.
    let (other_began, began) = tokio::sync::oneshot::channel();
    let (leader_began, other_waits) = tokio::sync::oneshot::channel();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let other = tokio::spawn(async move {
        let mut firsts = vec![other_group(&mut conn, 1).await.unwrap()];
        other_began.send(()).unwrap();
        other_waits.await.unwrap();
        for group in 2..=GROUPS as i64 {
            firsts.push(other_group(&mut conn, group).await.unwrap());
        }
        (conn, firsts)
    });
    began.await.unwrap();
    let mut leader_began = Some(leader_began);
    for n in 0..GROUPS {
        let writes = vec![event(2 * n), event(2 * n + 1)];
        store.commit(writes, Priority::Answer).await.unwrap();
        if let Some(began) = leader_began.take() {
            began.send(()).unwrap();
        }
    }
    let (mut conn, firsts) = other.await.unwrap();
    // The others' last events are published within the feed's poll.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while store.last_event_seq() < total {
        assert!(
            std::time::Instant::now() < deadline,
            "the hub stopped at {}",
            store.last_event_seq()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("the reader never saw every event")
        .unwrap();

    // Every number once, each writer's own in the order it committed them.
    assert_eq!(seen.len() as i64, total);
    let leaders = seen.iter().filter(|e| e.1 == store.token()).count();
    assert_eq!(leaders, 2 * GROUPS);
    assert!(firsts.windows(2).all(|w| w[0] < w[1]));
    // The leader's hub published every writer's events, in order, its own as it stored them.
    let mut published = Vec::new();
    while let Ok(e) = published_rx.try_recv() {
        if e.writer == store.token() {
            assert!(
                e.data.starts_with(&format!("{{\"seq\":{},\"n\":", e.seq)),
                "{}",
                e.data
            );
        }
        published.push((e.seq, e.writer));
    }
    assert_eq!(
        published, seen,
        "the hub published other events than were stored"
    );
    let stored: Vec<i64> = seen
        .iter()
        .filter(|e| e.1 == store.token())
        .map(|e| e.0)
        .collect();
    assert!(
        firsts.iter().any(|&f| f > stored[0]) && firsts.iter().any(|&f| f < stored[0]),
        "the writers never interleaved"
    );
    let data: String = sqlx::query_scalar("SELECT data FROM events WHERE seq = $1")
        .bind(stored[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(data, format!("{{\"seq\":{},\"n\":0}}", stored[0]));

    // Group numbers are each writer's own: the second writer's last group is committed.
    let again = other_group(&mut conn, GROUPS as i64).await.unwrap_err();
    assert_eq!(code(&again).as_deref(), Some("SB002"), "{again}");

    // A writer whose row is removed is fenced off; the other writes on.
    sqlx::query("DELETE FROM writers WHERE token = $1")
        .bind(OTHER)
        .execute(&pool)
        .await
        .unwrap();
    let fenced = other_group(&mut conn, GROUPS as i64 + 1).await.unwrap_err();
    assert_eq!(code(&fenced).as_deref(), Some("SB001"), "{fenced}");
    store
        .commit(vec![event(0)], Priority::Answer)
        .await
        .unwrap();

    // A takeover (the lease's token raised) replaces the leader's row with the new token's:
    // the old leader is fenced off.
    let token: i64 = sqlx::query_scalar(
        "UPDATE serving_lease SET token = token + 1, holder = 'b' RETURNING token",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let writers: Vec<i64> = sqlx::query_scalar("SELECT token FROM writers ORDER BY token")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(writers, vec![token]);
    let lost = store.commit(vec![event(1)], Priority::Answer).await;
    assert!(lost.is_err(), "a deposed leader wrote");
    assert_eq!(store.last_event_seq(), total + 1);
}

fn code(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(e) => e.code().map(|c| c.into_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn a_member_whose_lease_expired_is_fenced_off_and_one_that_stops_leaves() {
    let Some((url, leader)) = leading().await else {
        return;
    };
    let options = switchboard_store::StoreOptions::default();
    let pool = leader.pool().clone();
    let member = |name: &str| Replica {
        name: name.into(),
        lease: Duration::from_secs(60),
        ..Replica::default()
    };
    let m = PgStore::open_member(&url, &options, &member("m"))
        .await
        .unwrap();
    let row = || {
        sqlx::query_scalar::<_, String>(
            "SELECT name FROM writers WHERE token = $1 AND expires_at > clock_timestamp()",
        )
    };
    let named = row().bind(m.token()).fetch_optional(&pool).await.unwrap();
    assert_eq!(named.as_deref(), Some("m"));
    m.commit(vec![event(0)], Priority::Answer).await.unwrap();
    assert!(m.may_act().await, "a live writer beside the leader may act");

    // Paused past its lease (its renewals are 20 s apart: its expiry is moved back instead),
    // it is removed by the leader, and its next write is refused.
    sqlx::query(
        "UPDATE writers SET expires_at = clock_timestamp() - interval '1 second' WHERE token = $1",
    )
    .bind(m.token())
    .execute(&pool)
    .await
    .unwrap();
    common::writer_gone(&pool, m.token()).await;
    assert!(
        m.commit(vec![event(1)], Priority::Answer).await.is_err(),
        "a fenced writer wrote"
    );
    assert!(*m.lease_lost().unwrap().borrow());
    leader
        .commit(vec![event(2)], Priority::Answer)
        .await
        .unwrap();

    // One that stops leaves at once.
    let stopping = PgStore::open_member(&url, &options, &member("stopping"))
        .await
        .unwrap();
    let token = stopping.token();
    drop(stopping);
    common::writer_gone(&pool, token).await;
}

/// A new database and its leader (`None` without PostgreSQL to test on).
async fn leading() -> Option<(String, PgStore)> {
    let url = common::postgres_url().await?;
    let options = switchboard_store::StoreOptions::default();
    let leader = PgStore::open_replica(&url, &options, &Replica::default())
        .await
        .unwrap();
    Some((url, leader))
}

/// A member whose renewals stall (its row locked by another session, as a database that
/// stopped answering it would) says within a lease that its lease may no longer hold, and says
/// so again once a renewal goes through: the member serves only meanwhile.
#[tokio::test]
async fn a_member_whose_renewals_stall_says_its_lease_may_not_hold() {
    let Some((url, leader)) = leading().await else {
        return;
    };
    let options = switchboard_store::StoreOptions::default();
    let member = Replica {
        name: "stalled".into(),
        lease: Duration::from_secs(1),
        ..Replica::default()
    };
    let m = PgStore::open_member(&url, &options, &member).await.unwrap();
    assert!(m.lease_surely_held());
    let mut stall = leader.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM writers WHERE token = $1 FOR UPDATE")
        .bind(m.token())
        .execute(&mut *stall)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !m.lease_surely_held(),
        "a lease unrenewed for 1.5 s of 1 s held"
    );
    stall.rollback().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !m.lease_surely_held() {
        assert!(std::time::Instant::now() < deadline, "never renewed again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
