//! A group commit whose answer is lost after PostgreSQL committed it (the network dropped, the
//! connection was cut between the commit and its answer) is neither reported failed nor
//! written twice: the writer reconnects, tries the group again, and finds it committed. A TCP
//! proxy between the store and PostgreSQL cuts the connection right after the commit, on the
//! one-statement path and on the transaction path; the simulated world's journal likewise.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_core::sim_journal::SimJournal;
use switchboard_core::{Action, Lifecycle, TaskState};
use switchboard_store::{
    CommitStore, EventRecord, PgStore, Priority, Replica, StoreOptions, TaskRecord, TaskStore,
    Write,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Forwards to PostgreSQL; once armed with a marker, the connection whose next message holds
/// it has that message delivered and its answer dropped, and is closed.
#[derive(Clone, Default)]
struct Cutter {
    armed: Arc<Mutex<Option<&'static str>>>,
    cuts: Arc<AtomicUsize>,
}

impl Cutter {
    async fn start(self, upstream: String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(&upstream).await.unwrap();
                tokio::spawn(self.clone().pump(client, server));
            }
        });
        addr
    }

    async fn pump(self, client: TcpStream, server: TcpStream) {
        let (mut from_client, mut to_client) = client.into_split();
        let (mut from_server, mut to_server) = server.into_split();
        let (doom, mut doomed) = tokio::sync::oneshot::channel::<()>();
        let mut doom = Some(doom);
        let cutter = self.clone();
        let up = tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n @ 1..) = from_client.read(&mut buf).await {
                let marked = {
                    let mut armed = cutter.armed.lock().unwrap();
                    let hit = armed.is_some_and(|m| String::from_utf8_lossy(&buf[..n]).contains(m));
                    if hit {
                        *armed = None;
                    }
                    hit
                };
                if marked {
                    doom.take().map(|d| d.send(()));
                }
                if to_server.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = from_server.read(&mut buf).await {
            if doomed.try_recv().is_ok() {
                // The answer to the marked message (sent once it committed) is dropped.
                self.cuts.fetch_add(1, Ordering::SeqCst);
                break;
            }
            if to_client.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        up.abort();
    }
}

fn task(id: i64) -> TaskRecord {
    TaskRecord {
        id,
        project_id: "p1".into(),
        kind: "nova.server".into(),
        action: Action::Start,
        target_id: None,
        targets: vec![],
        only_self: true,
        principal: "u1".into(),
        request_id: format!("req-{id}"),
        state: TaskState::New,
        progress: 0.0,
        error: None,
        created_at: 1,
        updated_at: 1,
        finished_at: None,
        cancel_requested: false,
        executor: None,
    }
}

fn event(id: i64) -> Write {
    Write::Event(EventRecord {
        at: 2,
        project_id: "p1".into(),
        task_id: Some(id),
        kind: "task.created",
        data: format!(r#"{{"type":"task.created","task":{id}}}"#),
    })
}

#[tokio::test]
async fn a_commit_whose_answer_was_lost_counts_once() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let (head, db) = url.rsplit_once('/').unwrap();
    let upstream = head.rsplit_once('@').unwrap().1.to_string();
    let cutter = Cutter::default();
    let proxied = format!(
        "postgres://postgres@{}/{db}",
        cutter.clone().start(upstream).await
    );
    let store = PgStore::open_replica(&proxied, &StoreOptions::default(), &Replica::default())
        .await
        .unwrap();

    // One statement, committed on its own: the cut comes after the statement's commit. (The
    // marker is one of its values: the statement's text goes in a message of its own, first.)
    *cutter.armed.lock().unwrap() = Some("req-1");
    let writes = vec![
        Write::InsertTask {
            task: task(1),
            steps: vec![],
        },
        event(1),
    ];
    store.commit(writes, Priority::Answer).await.unwrap();
    assert_eq!(
        cutter.cuts.load(Ordering::SeqCst),
        1,
        "no connection was cut"
    );

    // A transaction (a resource created beside the rows): the cut comes after its COMMIT.
    *cutter.armed.lock().unwrap() = Some("COMMIT");
    let writes = vec![
        Write::InsertResource {
            spec: common::server("r1", "one"),
            state: Lifecycle::Stopped,
            at: 3,
        },
        Write::InsertTask {
            task: task(2),
            steps: vec![],
        },
        event(2),
    ];
    store.commit(writes, Priority::Answer).await.unwrap();
    assert_eq!(cutter.cuts.load(Ordering::SeqCst), 2, "no COMMIT was cut");

    // Nothing doubled, and the event numbers go on without a gap.
    store
        .commit(vec![event(3)], Priority::Answer)
        .await
        .unwrap();
    assert!(store.task(1).await.unwrap().is_some() && store.task(2).await.unwrap().is_some());
    let events: Vec<(i64, String)> = sqlx::query_as("SELECT seq, data FROM events ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let expected: Vec<(i64, String)> = (1..=3)
        .map(|i| {
            let data = format!(r#"{{"seq":{i},"type":"task.created","task":{i}}}"#);
            (i, data)
        })
        .collect();
    assert_eq!(events, expected);
    let resources: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resources")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(resources, 1);

    // The simulated world's journal: a batch whose COMMIT's answer is lost is not refused (its
    // action was performed), nor written twice.
    let (journal, _) = store.sim_journal().await.unwrap();
    *cutter.armed.lock().unwrap() = Some("COMMIT");
    let answer = journal.append(0, "one".into()).await.unwrap().unwrap();
    assert_eq!(*answer, [(1, "one".to_string())]);
    assert_eq!(
        cutter.cuts.load(Ordering::SeqCst),
        3,
        "no journal COMMIT was cut"
    );
    let answer = journal.append(1, "two".into()).await.unwrap().unwrap();
    assert_eq!(*answer, [(2, "two".to_string())]);
    let entries: Vec<String> = sqlx::query_scalar("SELECT entry FROM sim_journal ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(entries, ["one", "two"]);
}
