//! Claims in a group's statement (migration 0006): each resource a new task runs a step on is
//! set as held by it (`resources.active_task_id`), and the task's last resource states clear it.
//! A resource another task holds makes the statement fail with SB004, whichever replica's task
//! holds it: the database, not one replica's memory, decides which of two conflicting accepts
//! stands.

use super::unnest::Statement;
use crate::grouped::Grouped;
use crate::{StepRecord, StoreError, StoreResult, Write};
use sqlx::postgres::PgDatabaseError;
use std::collections::HashSet;
use switchboard_core::TaskId;

/// Raised by `switchboard_claimed` (migration 0006): another task holds the resource.
const CLAIMED: &str = "SB004";
/// Raised by `switchboard_claimed` (migration 0011): the resource was deleted.
const DELETED: &str = "SB005";

/// The claims a group's statement takes: (resource, task) pairs, and the clause setting them.
pub(super) struct Taken<'a> {
    resources: Vec<&'a str>,
    tasks: Vec<TaskId>,
    clause: String,
}

/// Adds the clause setting the claims of `g`'s new tasks (their ends clear them with their
/// resources' last states); the claims taken, when there are any.
pub(super) fn write<'a>(
    s: &mut Statement<'a>,
    g: &'a Grouped<'a>,
) -> StoreResult<Option<Taken<'a>>> {
    // A task written already ended (one with nothing to do) holds nothing.
    let unfinished: HashSet<TaskId> = g
        .tasks
        .iter()
        .filter(|t| t.finished_at.is_none())
        .map(|t| t.id)
        .collect();
    // Each (resource, task) once: a resource two tasks claim in one group holds for one only,
    // and the other is refused.
    let mut seen = HashSet::new();
    let (mut resources, mut tasks) = (Vec::new(), Vec::new());
    let holding = |s: &&&StepRecord| s.follow_task.is_none() && unfinished.contains(&s.task_id);
    for step in g.steps.iter().filter(holding) {
        if seen.insert((step.resource_id.as_str(), step.task_id)) {
            resources.push(step.resource_id.as_str());
            tasks.push(step.task_id);
        }
    }
    if resources.is_empty() {
        return Ok(None);
    }
    // Two changes of one row in one statement would be undefined. The engine never claims a
    // resource in the group that frees it; should it, the writer tries each submission alone.
    let claimed: HashSet<&str> = resources.iter().copied().collect();
    let updated = g
        .resource_updates
        .iter()
        .any(|w| matches!(w, Write::SetResource { id, .. } if claimed.contains(id.as_str())));
    if updated {
        return Err(StoreError::Corrupt(
            "a resource claimed and updated in one group".into(),
        ));
    }
    let clause = s.clause("UPDATE resources r SET active_task_id = v.task_id FROM ");
    s.unnest(|c| {
        c.col(resources.clone(), "text")
            .col(tasks.clone(), "bigint");
    });
    s.q.push(
        " AS v(resource_id, task_id) WHERE r.id = v.resource_id AND r.active_task_id IS NULL \
         AND NOT r.deleted RETURNING v.resource_id, v.task_id)",
    );
    Ok(Some(Taken {
        resources,
        tasks,
        clause,
    }))
}

/// The statement's check that every claim in `taken` held, after its other calls.
pub(super) fn check<'a>(s: &mut Statement<'a>, taken: Taken<'a>) {
    s.q.push(", switchboard_claimed(")
        .push_bind(taken.resources)
        .push("::text[], ")
        .push_bind(taken.tasks)
        .push(format_args!(
            "::bigint[], ARRAY(SELECT ROW(resource_id, task_id)::switchboard_claim FROM {}))",
            taken.clause
        ));
}

/// The claim that refused a group, from its SB004 or SB005 error.
pub(super) fn refused(err: &StoreError) -> Option<StoreError> {
    let StoreError::Database(sqlx::Error::Database(db)) = err else {
        return None;
    };
    let pg = db.try_downcast_ref::<PgDatabaseError>()?;
    let detail: serde_json::Value = serde_json::from_str(pg.detail()?).ok()?;
    let resource = detail["resource"].as_str()?.to_string();
    match pg.code() {
        CLAIMED => Some(StoreError::Claimed {
            resource,
            task: detail["task"].as_i64()?,
        }),
        DELETED => Some(StoreError::Deleted { resource }),
        _ => None,
    }
}

/// After a whole state was replaced (a restore): its unfinished tasks hold their resources
/// again, and new ids start above its tasks' (`switchboard_claims_and_ids_rebuilt`, migration
/// 0006, which runs it for the tasks stored before it).
pub(super) async fn rebuild(conn: &mut sqlx::PgConnection) -> StoreResult<()> {
    sqlx::query("SELECT switchboard_claims_and_ids_rebuilt()")
        .execute(conn)
        .await?;
    Ok(())
}
