//! `commit_then`'s hook runs once the writes are durable and before their events are published,
//! in a whole group and when a failed group is retried one submission at a time; a submission
//! that fails never runs it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_core::{Action, TaskState};
use switchboard_store::{EventRecord, OnDurable, Priority, SqliteStore, Store, TaskRecord, Write};
use tokio::sync::broadcast::error::TryRecvError;

fn event(note: &str) -> Write {
    Write::Event(EventRecord {
        at: 1,
        project_id: "p1".into(),
        task_id: None,
        kind: "task.finished",
        data: format!(r#"{{"type":"task.finished","note":"{note}"}}"#),
    })
}

fn task(id: i64) -> Write {
    let task = TaskRecord {
        id,
        project_id: "p1".into(),
        kind: "nova.server".into(),
        action: Action::Start,
        target_id: None,
        targets: vec![],
        only_self: true,
        principal: "p".into(),
        request_id: format!("req-{id}"),
        state: TaskState::New,
        progress: 0.0,
        error: None,
        created_at: 1,
        updated_at: 1,
        finished_at: None,
        cancel_requested: false,
    };
    Write::InsertTask {
        task,
        steps: vec![],
    }
}

/// A hook that records whether it ran and whether an event had been published by then.
fn hook(store: &SqliteStore) -> (OnDurable, Arc<AtomicBool>) {
    let events = Mutex::new(store.subscribe_events());
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let hook = Box::new(move || {
        let published = events.lock().unwrap().try_recv();
        assert!(
            matches!(published, Err(TryRecvError::Empty)),
            "{published:?}"
        );
        flag.store(true, Ordering::SeqCst);
    });
    (hook, ran)
}

#[tokio::test]
async fn the_hook_runs_when_durable_before_the_events_go_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path(), switchboard_store::Synchronous::Full)
        .await
        .unwrap();
    let domains = [("d1".to_string(), "default".to_string())];
    let projects = [("p1".to_string(), "local-1".to_string(), "d1".to_string())];
    store
        .sync_inventory(&domains, &projects, &[])
        .await
        .unwrap();
    let mut published = store.subscribe_events();

    let (first, ran) = hook(&store);
    let writes = vec![task(1), event("one")];
    store
        .commit_then(writes, Priority::Background, first)
        .await
        .unwrap();
    assert!(ran.load(Ordering::SeqCst));
    assert!(published.try_recv().unwrap().data.contains("one"));

    // A duplicate id fails its group, which is retried one submission at a time: the failed
    // one's hook never runs, its neighbour's does, before its event.
    let (bad_hook, bad_ran) = hook(&store);
    let (good_hook, good_ran) = hook(&store);
    let bad = store.commit_then(vec![task(1), event("bad")], Priority::Answer, bad_hook);
    let good = store.commit_then(vec![task(2), event("good")], Priority::Answer, good_hook);
    let (bad, good) = tokio::join!(bad, good);
    assert!(bad.is_err());
    good.unwrap();
    assert!(
        !bad_ran.load(Ordering::SeqCst),
        "a failed commit ran its hook"
    );
    assert!(good_ran.load(Ordering::SeqCst));
    assert!(published.try_recv().unwrap().data.contains("good"));
    assert!(matches!(published.try_recv(), Err(TryRecvError::Empty)));
}
