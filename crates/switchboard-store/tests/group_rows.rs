//! Every kind of row a group commit writes comes back exactly as written (awkward text, nulls,
//! the largest ids), and a submission that fails leaves no trace while its neighbours in the
//! same group are kept; `commit_then`'s hook runs when durable, before the events go out. Every
//! backend runs the same checks.

mod common;

use common::Backend;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_core::{Action, Lifecycle, ResourceSpec, StepState, TaskState};
use switchboard_store::{
    AuditFilter, AuditRecord, EventFilter, EventRecord, OnDurable, Priority, StepRecord,
    TaskFilter, TaskRecord, Write,
};
use tokio::sync::broadcast::error::TryRecvError;

const ODD: &str = "quote \" backslash \\ tab \t newline \n unicode é ✓ 🚀 nul-free";

fn server(id: &str) -> ResourceSpec {
    common::server(id, "s")
}

fn task(id: i64) -> TaskRecord {
    TaskRecord {
        id,
        project_id: "p1".into(),
        kind: "nova.server".into(),
        action: Action::Start,
        target_id: Some(format!("{ODD} {id}")),
        targets: vec!["r1".into(), ODD.into()],
        only_self: true,
        principal: ODD.into(),
        request_id: format!("req-{id}"),
        state: TaskState::New,
        progress: 12.5,
        error: None,
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_001,
        finished_at: None,
        cancel_requested: false,
        executor: None,
    }
}

fn step(task_id: i64, idx: usize) -> StepRecord {
    StepRecord {
        task_id,
        idx,
        resource_id: "r1".into(),
        action: Action::Start,
        follow_task: (idx == 1).then_some(i64::MAX),
        after: (0..idx).collect(),
        state: StepState::Pending,
        attempts: 0,
        prior_state: Lifecycle::Stopped,
        expected_ms: 50,
        started_at: None,
        finished_at: None,
        error: Some(ODD.into()),
        output: None,
    }
}

/// The project's task list (its page is read back as one JSON value, not row by row).
async fn listed(store: &dyn Backend) -> Vec<TaskRecord> {
    let filter = TaskFilter {
        project_id: Some("p1".into()),
        limit: 10,
        ..TaskFilter::default()
    };
    store.tasks(&filter).await.unwrap()
}

#[tokio::test]
async fn every_row_kind_round_trips_and_a_failed_submission_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    for store in common::backends(dir.path(), &[server("r1")]).await {
        every_row_kind_on(&*store).await;
    }
}

async fn every_row_kind_on(store: &dyn Backend) {
    let id = i64::MAX - 1;
    let steps = vec![step(id, 0), step(id, 1)];
    store
        .commit(
            vec![Write::InsertTask {
                task: task(id),
                steps: steps.clone(),
            }],
            Priority::Answer,
        )
        .await
        .unwrap();
    assert_eq!(store.task(id).await.unwrap(), Some(task(id)));
    assert_eq!(listed(store).await, vec![task(id)]);
    assert_eq!(store.steps(id).await.unwrap(), steps);

    // Updates of every kind, an audit record and an event, with a resource created in the
    // same group (the path that opens its transaction before the rows).
    let update_step = Write::UpdateStep {
        task_id: id,
        idx: 1,
        state: StepState::Done,
        attempts: 3,
        started_at: Some(5),
        finished_at: Some(6),
        error: None,
        output: Some(ODD.into()),
    };
    let update_task = |progress| Write::UpdateTask {
        id,
        state: TaskState::Complete,
        progress,
        error: Some(ODD.into()),
        updated_at: 7,
        finished_at: Some(8),
    };
    let audit = AuditRecord {
        id: 0,
        at: 9,
        principal: ODD.into(),
        project_id: Some("p1".into()),
        action: "nova:server:start".into(),
        target: None,
        request_id: "req-a".into(),
        source: Some("127.0.0.1".into()),
        outcome: "accepted".into(),
        detail: Some(r#"{"nested":"json \" text"}"#.into()),
    };
    let event = EventRecord {
        at: 10,
        project_id: "p1".into(),
        task_id: Some(id),
        kind: "task.finished",
        data: format!(
            r#"{{"type":"task.finished","note":{}}}"#,
            serde_json::json!(ODD)
        ),
    };
    for rows_only in [true, false] {
        let mut writes = vec![
            update_step.clone(),
            update_task(40.0),
            // Progress never goes back within a group either.
            update_task(30.0),
            Write::SetResource {
                id: "r1".into(),
                state: Lifecycle::Running,
                active_task: Some(id),
                last_error: Some(ODD.into()),
                updated_at: 11,
            },
            Write::Audit(audit.clone()),
            Write::Event(event.clone()),
        ];
        if !rows_only {
            writes.push(Write::InsertResource {
                spec: server("r2"),
                state: Lifecycle::Stopped,
                at: 12,
            });
        }
        store.commit(writes, Priority::Background).await.unwrap();
    }
    let stored = store.steps(id).await.unwrap();
    assert_eq!(
        (
            stored[1].state,
            stored[1].attempts,
            stored[1].output.as_deref()
        ),
        (StepState::Done, 3, Some(ODD))
    );
    assert_eq!(
        (stored[1].started_at, stored[1].finished_at),
        (Some(5), Some(6))
    );
    let t = store.task(id).await.unwrap().unwrap();
    assert_eq!(listed(store).await, vec![t.clone()]);
    assert_eq!(t.state, TaskState::Complete);
    assert_eq!(t.progress, 30.0, "the later write of the group wins");
    assert_eq!((t.error.as_deref(), t.finished_at), (Some(ODD), Some(8)));
    let resources = store.resources().await.unwrap();
    let r1 = resources.iter().find(|r| r.spec.id == "r1").unwrap();
    assert_eq!((r1.state, r1.active_task), (Lifecycle::Running, Some(id)));
    assert_eq!(r1.last_error.as_deref(), Some(ODD));
    assert!(resources.iter().any(|r| r.spec.id == "r2"));
    let audits = store
        .audit(&AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 2);
    assert!(audits.iter().all(|a| AuditRecord {
        id: a.id,
        ..audit.clone()
    } == *a));
    let filter = EventFilter {
        project_id: "p1".into(),
        task_id: Some(id),
    };
    let events = store.events_after(&filter, 0, 10).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].seq, events[0].seq + 1);
    let data: serde_json::Value = serde_json::from_str(&events[1].data).unwrap();
    assert_eq!(data["note"], ODD);
    assert_eq!(data["seq"], events[1].seq);

    // A duplicate task id fails its submission alone; a neighbour sent at the same time is kept.
    let bad = store.commit(
        vec![
            Write::InsertTask {
                task: task(1),
                steps: vec![],
            },
            Write::InsertTask {
                task: task(id),
                steps: vec![],
            },
        ],
        Priority::Answer,
    );
    // (On r2: r1 is still held by task `id`, as its last resource state above says.)
    let good = store.commit(
        vec![Write::InsertTask {
            task: task(2),
            steps: vec![StepRecord {
                resource_id: "r2".into(),
                ..step(2, 0)
            }],
        }],
        Priority::Answer,
    );
    let (bad, good) = tokio::join!(bad, good);
    assert!(bad.is_err());
    good.unwrap();
    assert_eq!(
        store.task(1).await.unwrap(),
        None,
        "nothing of it half-applied"
    );
    assert_eq!(store.task(2).await.unwrap(), Some(task(2)));
    // The writer is still usable after the failed transaction was rolled back.
    store
        .commit(vec![Write::Event(event.clone())], Priority::Answer)
        .await
        .unwrap();
    assert_eq!(store.events_after(&filter, 0, 10).await.unwrap().len(), 3);

    // Three rows of a kind go in a statement padded to four: the padding leaves no row.
    let three = vec![
        Write::Event(event.clone()),
        Write::Event(event.clone()),
        Write::Event(event.clone()),
        Write::Audit(audit.clone()),
        Write::Audit(audit.clone()),
        Write::Audit(audit.clone()),
    ];
    store.commit(three, Priority::Answer).await.unwrap();
    let events = store.events_after(&filter, 0, 10).await.unwrap();
    assert_eq!(events.len(), 6);
    assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    let all = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(store.audit(&all).await.unwrap().len(), 5);
}

fn insert(id: i64) -> Write {
    Write::InsertTask {
        task: task(id),
        steps: vec![],
    }
}

fn event(note: &str) -> Write {
    Write::Event(EventRecord {
        at: 1,
        project_id: "p1".into(),
        task_id: None,
        kind: "task.finished",
        data: format!(r#"{{"type":"task.finished","note":"{note}"}}"#),
    })
}

/// A hook that records whether it ran and whether an event had been published by then.
fn hook(store: &dyn Backend) -> (OnDurable, Arc<AtomicBool>) {
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

/// `commit_then`'s hook runs once the writes are durable and before their events are
/// published, in a whole group and when a failed group is retried one submission at a time; a
/// submission that fails never runs it.
#[tokio::test]
async fn the_hook_runs_when_durable_before_the_events_go_out() {
    let dir = tempfile::tempdir().unwrap();
    for store in common::backends(dir.path(), &[]).await {
        hook_order_on(&*store).await;
    }
}

async fn hook_order_on(store: &dyn Backend) {
    let mut published = store.subscribe_events();

    let (first, ran) = hook(store);
    let writes = vec![insert(1), event("one")];
    store
        .commit_then(writes, Priority::Background, first)
        .await
        .unwrap();
    assert!(ran.load(Ordering::SeqCst));
    assert!(published.try_recv().unwrap().data.contains("one"));

    // A duplicate id fails its group, which is retried one submission at a time: the failed
    // one's hook never runs, its neighbour's does, before its event.
    let (bad_hook, bad_ran) = hook(store);
    let (good_hook, good_ran) = hook(store);
    let bad = store.commit_then(vec![insert(1), event("bad")], Priority::Answer, bad_hook);
    let good = store.commit_then(vec![insert(2), event("good")], Priority::Answer, good_hook);
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
