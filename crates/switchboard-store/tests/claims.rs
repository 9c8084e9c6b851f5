//! On PostgreSQL the database decides which task holds a resource and hands out task ids: a
//! task whose resource another holds is refused by the commit itself (its neighbours in the
//! group are kept), the holder's last resource state frees it, and ids come in blocks no two
//! callers share.

mod common;

use switchboard_core::{Lifecycle, TaskState};
use switchboard_store::{CommitStore, InventoryStore, Priority, StoreError, TaskStore, Write};

/// A task's end as the engine writes it: its resource's last state, which frees it, and the
/// task's own end.
fn end(id: i64, resource: &str) -> Vec<Write> {
    vec![
        Write::SetResource {
            id: resource.into(),
            state: Lifecycle::Running,
            active_task: None,
            last_error: None,
            updated_at: 2,
        },
        Write::UpdateTask {
            id,
            state: TaskState::Complete,
            progress: 100.0,
            error: None,
            updated_at: 2,
            finished_at: Some(2),
        },
    ]
}

/// `store` with `resources` in one project of one domain.
async fn synced(store: &impl InventoryStore, resources: &[switchboard_core::ResourceSpec]) {
    let projects = [("p1".to_string(), "p1".to_string(), "d1".to_string())];
    let domains = [("d1".to_string(), "d1".to_string())];
    store
        .sync_inventory(&domains, &projects, resources)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_resource_is_held_by_one_task_at_a_time_and_ids_are_never_shared() {
    let Some(store) = common::postgres().await else {
        return;
    };
    let resources = [common::server("r1", "a"), common::server("r2", "b")];
    synced(&store, &resources).await;
    let holder = |id: &'static str| {
        let store = &store;
        async move {
            let all = store.resources().await.unwrap();
            all.into_iter()
                .find(|r| r.spec.id == id)
                .unwrap()
                .active_task
        }
    };

    store
        .commit(vec![common::accept(1, "r1")], Priority::Answer)
        .await
        .unwrap();
    assert_eq!(holder("r1").await, Some(1), "held from the accept on");

    // A second task on r1 is refused, naming the holder; a neighbour on r2 sent at the same
    // time is kept (in one group or its own).
    let (refused, kept) = tokio::join!(
        store.commit(vec![common::accept(2, "r1")], Priority::Answer),
        store.commit(vec![common::accept(3, "r2")], Priority::Answer)
    );
    match refused {
        Err(StoreError::Claimed { resource, task }) => {
            assert_eq!((resource.as_str(), task), ("r1", 1))
        }
        other => panic!("{other:?}"),
    }
    kept.unwrap();
    assert_eq!(store.task(2).await.unwrap(), None, "nothing of it kept");
    assert_eq!(holder("r2").await, Some(3));

    // The holder's end frees r1.
    store.commit(end(1, "r1"), Priority::Answer).await.unwrap();
    assert_eq!(holder("r1").await, None);
    store
        .commit(vec![common::accept(2, "r1")], Priority::Answer)
        .await
        .unwrap();
    assert_eq!(holder("r1").await, Some(2));

    // Blocks of ids, each above every earlier one.
    let first = store.reserve_task_ids().await.unwrap();
    let second = store.reserve_task_ids().await.unwrap();
    assert_eq!(first.end - first.start, 1024);
    assert_eq!(second.start, first.end);
}

#[tokio::test]
async fn an_accept_a_claim_refuses_leaves_its_group_which_commits_without_it() {
    let Some(store) = common::postgres().await else {
        return;
    };
    let ids: Vec<String> = (0..=20).map(|n| format!("r{n}")).collect();
    let resources: Vec<_> = ids.iter().map(|id| common::server(id, id)).collect();
    synced(&store, &resources).await;
    store
        .commit(vec![common::accept(1, "r0")], Priority::Answer)
        .await
        .unwrap();
    let deleted = Write::DeleteResource {
        id: "r20".into(),
        at: 2,
    };
    store.commit(vec![deleted], Priority::Answer).await.unwrap();
    let groups = || {
        sqlx::query_scalar::<_, i64>("SELECT group_no FROM writers WHERE token = $1")
            .bind(store.token())
            .fetch_one(store.pool())
    };
    let before = groups().await.unwrap();

    // Twenty accepts at once, the tenth on r0, which task 1 holds, the last on r20, deleted.
    let accepts = (1..=20).map(|n| {
        let resource = if n == 10 { "r0" } else { ids[n].as_str() };
        store.commit(
            vec![common::accept(100 + n as i64, resource)],
            Priority::Answer,
        )
    });
    let results = futures::future::join_all(accepts).await;
    for (n, result) in (1..=20).zip(&results) {
        match (n, result) {
            (10, Err(StoreError::Claimed { resource, task })) => {
                assert_eq!((resource.as_str(), *task), ("r0", 1))
            }
            (20, Err(StoreError::Deleted { resource })) => assert_eq!(resource, "r20"),
            (10 | 20, other) => panic!("{other:?}"),
            (_, other) => assert!(other.is_ok(), "{n}: {other:?}"),
        }
    }
    // The eighteen others went in a few groups, not in a commit each.
    let committed = groups().await.unwrap() - before;
    assert!(committed <= 5, "{committed} groups for 18 accepts");
}

/// A deletion or a reset from a writer that has not heard of the task holding the resource (a
/// task another replica accepted an instant before) is refused as an accept would be, and the
/// task keeps its resource; once it has ended, both go through.
#[tokio::test]
async fn a_resource_a_task_holds_is_neither_deleted_nor_reset_from_under_it_and_a_deleted_one_is_claimed_by_none(
) {
    let Some(store) = common::postgres().await else {
        return;
    };
    let resources = [common::server("r1", "a")];
    synced(&store, &resources).await;
    store
        .commit(vec![common::accept(1, "r1")], Priority::Answer)
        .await
        .unwrap();
    let delete = || Write::DeleteResource {
        id: "r1".into(),
        at: 2,
    };
    let reset = || Write::ResetResource {
        id: "r1".into(),
        state: Lifecycle::Stopped,
        at: 2,
    };
    for refused in [delete(), reset()] {
        match store.commit(vec![refused], Priority::Answer).await {
            Err(StoreError::Claimed { resource, task }) => {
                assert_eq!((resource.as_str(), task), ("r1", 1))
            }
            other => panic!("{other:?}"),
        }
    }
    let r1 = store.resource("r1").await.unwrap().unwrap();
    assert!(!r1.deleted);
    assert_eq!(r1.active_task, Some(1), "still held");

    store.commit(end(1, "r1"), Priority::Answer).await.unwrap();
    store.commit(vec![reset()], Priority::Answer).await.unwrap();
    store
        .commit(vec![delete()], Priority::Answer)
        .await
        .unwrap();
    assert!(store.resource("r1").await.unwrap().unwrap().deleted);

    // A replica that has not heard of the deletion accepts nothing on it: the database refuses.
    match store
        .commit(vec![common::accept(2, "r1")], Priority::Answer)
        .await
    {
        Err(StoreError::Deleted { resource }) => assert_eq!(resource, "r1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.task(2).await.unwrap(),
        None,
        "the refused task was kept"
    );
    let r1 = store.resource("r1").await.unwrap().unwrap();
    assert_eq!(r1.active_task, None);
}
