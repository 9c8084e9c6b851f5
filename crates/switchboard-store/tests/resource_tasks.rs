//! A resource's tasks a page at a time (Nova's instance actions): newest first by id (the
//! order of acceptance), each with only its steps on that resource, filtered by change time (a
//! step there may have changed after its task) and by request id, continued below an id.

mod common;

use common::Backend;
use switchboard_core::{Action, Lifecycle, StepState, TaskState};
use switchboard_store::{Priority, ResourceTaskPage, StepRecord, TaskRecord, Write};

fn task(id: i64, created_at: i64, updated_at: i64) -> TaskRecord {
    TaskRecord {
        id,
        project_id: "p1".into(),
        kind: "nova.server".into(),
        action: Action::Start,
        target_id: Some("a".into()),
        targets: vec!["a".into()],
        only_self: false,
        principal: "admin@d1".into(),
        request_id: format!("{id:032x}"),
        state: TaskState::Complete,
        progress: 100.0,
        error: None,
        created_at,
        updated_at,
        finished_at: Some(updated_at),
        cancel_requested: false,
        executor: None,
    }
}

fn step(task_id: i64, idx: usize, resource: &str, finished_at: Option<i64>) -> StepRecord {
    StepRecord {
        task_id,
        idx,
        resource_id: resource.into(),
        action: Action::Start,
        follow_task: None,
        after: vec![],
        state: StepState::Done,
        attempts: 1,
        prior_state: Lifecycle::Stopped,
        expected_ms: 50,
        started_at: Some(0),
        finished_at,
        error: None,
        output: None,
    }
}

/// Tasks 1 to 6; task 4's creation time is before task 3's (as a clock stepped back would
/// leave it), task 5 touched only `b`, task 6 has two steps on `a`, and task 2's step on `a`
/// ended long after the task's own last update.
/// Every backend, holding the same six tasks on servers `a` and `b`.
async fn stores(dir: &std::path::Path) -> Vec<Box<dyn Backend>> {
    let resources = [common::server("a", "a"), common::server("b", "b")];
    let stores = common::backends(dir, &resources).await;
    let rows = [
        (1, 1_000, 1_100, vec![step(1, 0, "a", Some(1_100))]),
        (
            2,
            2_000,
            2_100,
            vec![step(2, 0, "b", Some(2_050)), step(2, 1, "a", Some(9_000))],
        ),
        (3, 3_001, 3_100, vec![step(3, 0, "a", Some(3_100))]),
        (4, 3_000, 3_200, vec![step(4, 0, "a", None)]),
        (5, 5_000, 5_100, vec![step(5, 0, "b", Some(5_100))]),
        (
            6,
            6_000,
            6_100,
            vec![step(6, 0, "a", Some(6_050)), step(6, 1, "a", Some(6_100))],
        ),
    ];
    for (id, created, updated, steps) in rows {
        let w = Write::InsertTask {
            task: task(id, created, updated),
            steps,
        };
        for store in &stores {
            store
                .commit(vec![w.clone()], Priority::Answer)
                .await
                .unwrap();
        }
    }
    stores
}

async fn ids(store: &dyn Backend, page: ResourceTaskPage) -> Vec<i64> {
    let tasks = store.resource_tasks("a", &page).await.unwrap();
    for t in &tasks {
        assert!(
            !t.steps.is_empty(),
            "task {} came without its steps",
            t.task.id
        );
        assert!(t.steps.iter().all(|s| s.resource_id == "a"), "{t:?}");
    }
    tasks.iter().map(|t| t.task.id).collect()
}

fn page(limit: i64) -> ResourceTaskPage {
    ResourceTaskPage {
        limit,
        ..Default::default()
    }
}

#[tokio::test]
async fn pages_go_newest_first_by_id() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        let store = &*store;
        assert_eq!(ids(store, page(100)).await, vec![6, 4, 3, 2, 1]);
        // A task with two steps on the resource counts once.
        assert_eq!(ids(store, page(2)).await, vec![6, 4]);
        let below = |id| ResourceTaskPage {
            older_than: Some(id),
            ..page(2)
        };
        assert_eq!(ids(store, below(4)).await, vec![3, 2]);
        assert_eq!(ids(store, below(2)).await, vec![1]);
        assert!(ids(store, below(1)).await.is_empty());
        let six = store.resource_tasks("a", &page(1)).await.unwrap();
        assert_eq!(
            six[0].steps.iter().map(|s| s.idx).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(ids(store, page(0)).await, Vec::<i64>::new());
        // Task 2's steps: only the one on `a`.
        let two = store.resource_tasks("a", &page(100)).await.unwrap();
        let two = two.iter().find(|t| t.task.id == 2).unwrap();
        assert_eq!(two.steps.len(), 1);
        assert_eq!(two.steps[0].idx, 1);
        assert_eq!(
            ids_of(store, "b", page(100)).await,
            vec![5, 2],
            "the other resource's own tasks"
        );
        assert!(ids_of(store, "nobody", page(100)).await.is_empty());
    }
}

async fn ids_of(store: &dyn Backend, resource: &str, page: ResourceTaskPage) -> Vec<i64> {
    let tasks = store.resource_tasks(resource, &page).await.unwrap();
    tasks.iter().map(|t| t.task.id).collect()
}

#[tokio::test]
async fn change_times_count_the_steps_on_the_resource() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        let store = &*store;
        let since = |t| ResourceTaskPage {
            changed_since: Some(t),
            ..page(100)
        };
        // Task 2 changed at 9,000 (its step on `a`); task 4's step never ended (3,200).
        assert_eq!(ids(store, since(6_100)).await, vec![6, 2]);
        assert_eq!(ids(store, since(3_200)).await, vec![6, 4, 2]);
        let since_below = ResourceTaskPage {
            older_than: Some(6),
            ..since(3_200)
        };
        assert_eq!(ids(store, since_below).await, vec![4, 2]);
        let before = ResourceTaskPage {
            changed_before: Some(3_200),
            ..page(100)
        };
        assert_eq!(ids(store, before).await, vec![4, 3, 1]);
        let both = ResourceTaskPage {
            changed_since: Some(3_100),
            changed_before: Some(6_100),
            ..page(100)
        };
        assert_eq!(ids(store, both).await, vec![6, 4, 3]);
    }
}

#[tokio::test]
async fn request_ids_pick_their_tasks() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        let store = &*store;
        let of = |ids: Vec<String>| ResourceTaskPage {
            request_ids: Some(ids),
            ..page(100)
        };
        let three = format!("{:032x}", 3);
        let five = format!("{:032x}", 5);
        assert_eq!(ids(store, of(vec![three.clone()])).await, vec![3]);
        // Task 5 never touched `a`.
        assert_eq!(ids(store, of(vec![five, three])).await, vec![3]);
        assert!(ids(store, of(vec![])).await.is_empty());
        assert!(ids(store, of(vec!["gone".into()])).await.is_empty());
        let (one, four) = (format!("{:032x}", 1), format!("{:032x}", 4));
        assert_eq!(
            ids(store, of(vec![one.clone(), four.clone()])).await,
            vec![4, 1]
        );
        let below_four = ResourceTaskPage {
            older_than: Some(4),
            changed_since: Some(1_000),
            ..of(vec![one, four])
        };
        assert_eq!(ids(store, below_four).await, vec![1]);
    }
}
