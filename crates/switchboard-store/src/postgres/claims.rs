//! Claims in a group's statement (migration 0006): the resources each new task runs a step on
//! are inserted as its claims, and a task's end deletes its claims. A claim another task holds
//! makes the statement fail with SB004, whichever replica holds it: the database, not one
//! replica's memory, decides which of two conflicting accepts stands.

use super::unnest::Statement;
use crate::grouped::Grouped;
use crate::{StoreError, Write};
use sqlx::postgres::PgDatabaseError;
use std::collections::HashSet;
use switchboard_core::TaskId;

/// Raised by `switchboard_claimed` (migration 0006).
const CLAIMED: &str = "SB004";

/// The claims a group's statement takes: (resource, task) pairs, and the clause inserting them.
pub(super) struct Taken<'a> {
    resources: Vec<&'a str>,
    tasks: Vec<TaskId>,
    clause: String,
}

/// Adds the clauses inserting the claims of `g`'s new tasks and deleting those of the tasks it
/// ends; the claims taken, when there are any.
pub(super) fn write<'a>(s: &mut Statement<'a>, g: &'a Grouped<'a>) -> Option<Taken<'a>> {
    // A task written already ended (one with nothing to do) holds nothing.
    let unfinished: HashSet<TaskId> = g
        .tasks
        .iter()
        .filter(|t| t.finished_at.is_none())
        .map(|t| t.id)
        .collect();
    let mut seen = HashSet::new();
    let (mut resources, mut tasks) = (Vec::new(), Vec::new());
    let holding =
        |s: &&&crate::StepRecord| s.follow_task.is_none() && unfinished.contains(&s.task_id);
    for step in g.steps.iter().filter(holding) {
        if seen.insert((step.task_id, step.resource_id.as_str())) {
            resources.push(step.resource_id.as_str());
            tasks.push(step.task_id);
        }
    }
    let ended: Vec<TaskId> = g
        .task_updates
        .iter()
        .filter_map(|w| match w {
            Write::UpdateTask {
                id,
                finished_at: Some(_),
                ..
            } => Some(*id),
            _ => None,
        })
        .collect();
    if !ended.is_empty() {
        // A resource claimed anew in the same group keeps the new claim (two changes of one row
        // in one statement would be undefined); the engine never frees and claims in one group.
        s.clause("DELETE FROM claims WHERE task_id = ANY(");
        s.q.push_bind(ended)
            .push("::bigint[]) AND resource_id <> ALL(")
            .push_bind(resources.clone())
            .push("::text[]))");
    }
    if resources.is_empty() {
        return None;
    }
    let clause = s.clause("INSERT INTO claims (resource_id, task_id) SELECT * FROM ");
    s.unnest(|c| {
        c.col(resources.clone(), "text")
            .col(tasks.clone(), "bigint");
    });
    s.q.push(" ON CONFLICT (resource_id) DO NOTHING RETURNING *)");
    Some(Taken {
        resources,
        tasks,
        clause,
    })
}

/// The statement's check that every claim in `taken` held, after its other calls.
pub(super) fn check<'a>(s: &mut Statement<'a>, taken: Taken<'a>) {
    s.q.push(", switchboard_claimed(")
        .push_bind(taken.resources)
        .push("::text[], ")
        .push_bind(taken.tasks)
        .push(format_args!(
            "::bigint[], ARRAY(SELECT ROW(resource_id, task_id)::claims FROM {}))",
            taken.clause
        ));
}

/// The claim that refused a group, from its SB004 error.
pub(super) fn refused(err: &StoreError) -> Option<StoreError> {
    let StoreError::Database(sqlx::Error::Database(db)) = err else {
        return None;
    };
    let pg = db.try_downcast_ref::<PgDatabaseError>()?;
    if pg.code() != CLAIMED {
        return None;
    }
    let detail: serde_json::Value = serde_json::from_str(pg.detail()?).ok()?;
    Some(StoreError::Claimed {
        resource: detail["resource"].as_str()?.to_string(),
        task: detail["task"].as_i64()?,
    })
}

/// After a whole state was replaced (a restore): the claims are its unfinished tasks' again,
/// and new ids start above its tasks'.
pub(super) async fn rebuild(conn: &mut sqlx::PgConnection) -> crate::StoreResult<()> {
    sqlx::query("DELETE FROM claims")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO claims (resource_id, task_id) \
         SELECT DISTINCT ON (s.resource_id) s.resource_id, s.task_id \
         FROM steps s JOIN tasks t ON t.id = s.task_id \
         WHERE t.finished_at IS NULL AND s.follow_task IS NULL \
         ORDER BY s.resource_id, s.task_id DESC",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "SELECT setval('task_id_blocks', GREATEST((SELECT last_value FROM task_id_blocks), \
         (COALESCE(max(id), 0) + 1023) / 1024)) FROM tasks",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
