//! Who runs each task when several writers share the database (migration 0009): the writer its
//! row names. A task whose executor's lease expired is claimed by exactly one live writer
//! (`FOR UPDATE SKIP LOCKED`), and the writer fenced off writes nothing more for it.

mod common;

use switchboard_core::TaskState;
use switchboard_store::{CommitStore, InventoryStore, Priority, TaskStore, Write};

/// Task `id`'s accept, run by `executor`.
fn accept_for(id: i64, resource: &str, executor: i64) -> Write {
    let Write::InsertTask { mut task, steps } = common::accept(id, resource) else {
        unreachable!()
    };
    task.executor = Some(executor);
    Write::InsertTask { task, steps }
}

fn progress(id: i64, progress: f64) -> Write {
    Write::UpdateTask {
        id,
        state: TaskState::InProgress,
        progress,
        error: None,
        updated_at: 2,
        finished_at: None,
    }
}

#[tokio::test]
async fn a_dead_writers_task_is_claimed_by_one_live_writer_and_fenced_from_the_dead() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let leader = common::leader(&url).await;
    let (dying, other) = (
        common::member(&url, "dying").await,
        common::member(&url, "other").await,
    );
    assert_eq!(
        dying.leader(),
        Some(leader.token()),
        "the leader as seen beside it"
    );
    let projects = [("p1".to_string(), "p1".to_string(), "d1".to_string())];
    let domains = [("d1".to_string(), "d1".to_string())];
    let resources = [common::server("r1", "a"), common::server("r2", "b")];
    leader
        .sync_inventory(&domains, &projects, &resources)
        .await
        .unwrap();
    dying
        .commit(vec![accept_for(1, "r1", dying.token())], Priority::Answer)
        .await
        .unwrap();
    let executor = |id| {
        let leader = &leader;
        async move { leader.task(id).await.unwrap().unwrap().executor }
    };
    assert_eq!(executor(1).await, Some(dying.token()));
    assert!(dying.may_act().await, "a live writer may act for its tasks");

    // Its runner is alive: no one else takes its task.
    assert_eq!(leader.claim_tasks(&[1]).await.unwrap(), Vec::<i64>::new());
    assert_eq!(other.claim_tasks(&[1]).await.unwrap(), Vec::<i64>::new());
    dying
        .commit(vec![progress(1, 10.0)], Priority::Answer)
        .await
        .unwrap();

    // Its lease expires (paused, say): the leader removes its row, and its writes are refused.
    sqlx::query(
        "UPDATE writers SET expires_at = clock_timestamp() - interval '1 second' WHERE token = $1",
    )
    .bind(dying.token())
    .execute(leader.pool())
    .await
    .unwrap();
    common::writer_gone(leader.pool(), dying.token()).await;

    // Two live writers claim it at once: exactly one gets it.
    let (a, b) = tokio::join!(leader.claim_tasks(&[1, 2]), other.claim_tasks(&[1, 2]));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "claimed {a:?} and {b:?}");
    let winner = if a.is_empty() {
        other.token()
    } else {
        leader.token()
    };
    assert_eq!(executor(1).await, Some(winner));
    assert_eq!(leader.claim_tasks(&[1]).await.unwrap(), Vec::<i64>::new());

    // The writer fenced off writes nothing for it (nor acts), the new one does.
    assert!(dying
        .commit(vec![progress(1, 50.0)], Priority::Answer)
        .await
        .is_err());
    assert!(!dying.may_act().await, "a fenced writer acted");
    let runner = if winner == leader.token() {
        &leader
    } else {
        &other
    };
    runner
        .commit(vec![progress(1, 20.0)], Priority::Answer)
        .await
        .unwrap();
    assert_eq!(leader.task(1).await.unwrap().unwrap().progress, 20.0);

    // A task whose executor is unset is anyone's; a finished one no one's.
    leader
        .commit(vec![common::accept(3, "r2")], Priority::Answer)
        .await
        .unwrap();
    assert_eq!(other.claim_tasks(&[3]).await.unwrap(), vec![3]);
    sqlx::query("UPDATE tasks SET executor = NULL, state = 'COMPLETE' WHERE id = 3")
        .execute(leader.pool())
        .await
        .unwrap();
    assert_eq!(leader.claim_tasks(&[3]).await.unwrap(), Vec::<i64>::new());
}
