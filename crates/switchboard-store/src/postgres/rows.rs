//! A group's rows on PostgreSQL as one statement: each kind of row is a data-modifying `WITH`
//! clause over arrays (`UNNEST`), behind a first clause that claims the group
//! (`switchboard_write_group`, migration 0007): fenced by its writer's row, committed once, its
//! event numbers taken in commit order; its claims checked (`claims`). One round trip and one
//! plan per group, where a statement per kind cost a round trip each, one after another. Only
//! the kinds the group has are in it. The statement returns the group's first event number.
//!
//! The clauses see one snapshot, so none may depend on another's rows: a row is only ever
//! updated after the commit that inserted it, and later changes to a row replace earlier ones
//! in [`Grouped`].

use super::json;
use super::unnest::Statement;
use crate::events::members;
use crate::grouped::Grouped;
use crate::{EventRecord, StoreResult, Write};
use sqlx::{Postgres, QueryBuilder};

/// What the statement claims besides the rows.
pub(super) struct Claim {
    /// The writer's fencing token.
    pub token: i64,
    pub group_no: i64,
    /// Events above the first number and up to the second are pruned with the group (those
    /// below are gone already: a bounded range does not walk the dead rows vacuum has not
    /// reclaimed yet, which made each prune slower than the last).
    pub prune: Option<(i64, i64)>,
}

/// The statement writing every row of `g`; it returns the first number of its events.
pub(super) fn statement<'a>(
    g: &'a Grouped<'a>,
    claim: &Claim,
) -> StoreResult<QueryBuilder<'a, Postgres>> {
    let mut s = Statement::default();
    let group = s.clause("SELECT switchboard_write_group(");
    let mut args = s.q.separated(", ");
    args.push_bind(claim.token);
    args.push_bind(claim.group_no);
    args.push_bind(g.events.len() as i32);
    s.q.push(") AS first_event)");
    insert_tasks(&mut s, g)?;
    insert_steps(&mut s, g)?;
    update_steps(&mut s, &g.step_updates);
    update_tasks(&mut s, &g.task_updates);
    update_resources(&mut s, &g.resource_updates);
    let claims = super::claims::write(&mut s, g)?;
    insert_audits(&mut s, g);
    insert_events(&mut s, &g.events, claim.token, &group);
    if let Some((after, to)) = claim.prune {
        s.clause("DELETE FROM events WHERE seq > ");
        s.q.push_bind(after)
            .push(" AND seq <= ")
            .push_bind(to)
            .push(")");
    }
    s.q.push(" SELECT first_event");
    if let Some(taken) = claims {
        super::claims::check(&mut s, taken);
    }
    s.q.push(format_args!(" FROM {group}"));
    Ok(s.q)
}

fn insert_tasks<'a>(s: &mut Statement<'a>, g: &'a Grouped<'a>) -> StoreResult<()> {
    let t = &g.tasks;
    if t.is_empty() {
        return Ok(());
    }
    let targets = t
        .iter()
        .map(|t| json(&t.targets))
        .collect::<StoreResult<Vec<_>>>()?;
    s.clause(
        "INSERT INTO tasks (id, project_id, kind, action, target_id, only_self, principal, \
         request_id, state, progress, error, created_at, updated_at, finished_at, targets, \
         executor) \
         SELECT * FROM ",
    );
    s.unnest(|c| {
        c.col(t.iter().map(|t| t.id).collect(), "bigint")
            .col(t.iter().map(|t| t.project_id.as_str()).collect(), "text")
            .col(t.iter().map(|t| t.kind.as_str()).collect(), "text")
            .col(t.iter().map(|t| t.action.as_str()).collect(), "text")
            .col(t.iter().map(|t| t.target_id.as_deref()).collect(), "text")
            .col(t.iter().map(|t| t.only_self).collect(), "boolean")
            .col(t.iter().map(|t| t.principal.as_str()).collect(), "text")
            .col(t.iter().map(|t| t.request_id.as_str()).collect(), "text")
            .col(t.iter().map(|t| t.state.as_str()).collect(), "text")
            .col(t.iter().map(|t| t.progress).collect(), "float8")
            .col(t.iter().map(|t| t.error.as_deref()).collect(), "text")
            .col(t.iter().map(|t| t.created_at).collect(), "bigint")
            .col(t.iter().map(|t| t.updated_at).collect(), "bigint")
            .col(t.iter().map(|t| t.finished_at).collect(), "bigint")
            .col(targets, "text")
            .col(t.iter().map(|t| t.executor).collect(), "bigint");
    });
    s.q.push(")");
    Ok(())
}

fn insert_steps<'a>(s: &mut Statement<'a>, g: &'a Grouped<'a>) -> StoreResult<()> {
    let st = &g.steps;
    if st.is_empty() {
        return Ok(());
    }
    let afters = st
        .iter()
        .map(|s| json(&s.after))
        .collect::<StoreResult<Vec<_>>>()?;
    s.clause(
        "INSERT INTO steps (task_id, idx, resource_id, action, follow_task, after, state, \
         attempts, prior_state, expected_ms, started_at, finished_at, error) SELECT * FROM ",
    );
    s.unnest(|c| {
        c.col(st.iter().map(|s| s.task_id).collect(), "bigint")
            .col(st.iter().map(|s| s.idx as i64).collect(), "bigint")
            .col(st.iter().map(|s| s.resource_id.as_str()).collect(), "text")
            .col(st.iter().map(|s| s.action.as_str()).collect(), "text")
            .col(st.iter().map(|s| s.follow_task).collect(), "bigint")
            .col(afters, "text")
            .col(st.iter().map(|s| s.state.as_str()).collect(), "text")
            .col(st.iter().map(|s| s.attempts as i64).collect(), "bigint")
            .col(st.iter().map(|s| s.prior_state.as_str()).collect(), "text")
            .col(st.iter().map(|s| s.expected_ms).collect(), "bigint")
            .col(st.iter().map(|s| s.started_at).collect(), "bigint")
            .col(st.iter().map(|s| s.finished_at).collect(), "bigint")
            .col(st.iter().map(|s| s.error.as_deref()).collect(), "text");
    });
    s.q.push(")");
    Ok(())
}

fn update_steps<'a>(s: &mut Statement<'a>, updates: &[&'a Write]) {
    let mut cols = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for w in updates {
        if let Write::UpdateStep {
            task_id,
            idx,
            state,
            attempts,
            started_at,
            finished_at,
            error,
            output,
        } = w
        {
            cols.0.push(*task_id);
            cols.1.push(*idx as i64);
            cols.2.push(state.as_str());
            cols.3.push(*attempts as i64);
            cols.4.push(*started_at);
            cols.5.push(*finished_at);
            cols.6.push(error.as_deref());
            cols.7.push(output.as_deref());
        }
    }
    if cols.0.is_empty() {
        return;
    }
    s.clause(
        "UPDATE steps s SET state = v.state, attempts = v.attempts, started_at = v.started_at, \
         finished_at = v.finished_at, error = v.error, output = v.output FROM ",
    );
    s.unnest(|c| {
        c.col(cols.0, "bigint")
            .col(cols.1, "bigint")
            .col(cols.2, "text")
            .col(cols.3, "bigint")
            .col(cols.4, "bigint")
            .col(cols.5, "bigint")
            .col(cols.6, "text")
            .col(cols.7, "text");
    });
    s.q.push(
        " AS v(task_id, idx, state, attempts, started_at, finished_at, error, output) \
         WHERE s.task_id = v.task_id AND s.idx = v.idx)",
    );
}

fn update_tasks<'a>(s: &mut Statement<'a>, updates: &[&'a Write]) {
    let mut cols = (vec![], vec![], vec![], vec![], vec![], vec![]);
    for w in updates {
        if let Write::UpdateTask {
            id,
            state,
            progress,
            error,
            updated_at,
            finished_at,
        } = w
        {
            cols.0.push(*id);
            cols.1.push(state.as_str());
            cols.2.push(*progress);
            cols.3.push(error.as_deref());
            cols.4.push(*updated_at);
            cols.5.push(*finished_at);
        }
    }
    if cols.0.is_empty() {
        return;
    }
    // Progress never goes back, whatever order updates of one task land in.
    s.clause(
        "UPDATE tasks t SET state = v.state, progress = GREATEST(t.progress, v.progress), \
         error = v.error, updated_at = v.updated_at, finished_at = v.finished_at FROM ",
    );
    s.unnest(|c| {
        c.col(cols.0, "bigint")
            .col(cols.1, "text")
            .col(cols.2, "float8")
            .col(cols.3, "text")
            .col(cols.4, "bigint")
            .col(cols.5, "bigint");
    });
    s.q.push(" AS v(id, state, progress, error, updated_at, finished_at) WHERE t.id = v.id)");
}

fn update_resources<'a>(s: &mut Statement<'a>, updates: &[&'a Write]) {
    let mut cols = (vec![], vec![], vec![], vec![], vec![]);
    for w in updates {
        if let Write::SetResource {
            id,
            state,
            active_task,
            last_error,
            updated_at,
        } = w
        {
            cols.0.push(id.as_str());
            cols.1.push(state.as_str());
            cols.2.push(*active_task);
            cols.3.push(last_error.as_deref());
            cols.4.push(*updated_at);
        }
    }
    if cols.0.is_empty() {
        return;
    }
    s.clause(
        "UPDATE resources r SET state = v.state, active_task_id = v.active_task_id, \
         last_error = v.last_error, updated_at = v.updated_at FROM ",
    );
    s.unnest(|c| {
        c.col(cols.0, "text")
            .col(cols.1, "text")
            .col(cols.2, "bigint")
            .col(cols.3, "text")
            .col(cols.4, "bigint");
    });
    s.q.push(" AS v(id, state, active_task_id, last_error, updated_at) WHERE r.id = v.id)");
}

fn insert_audits<'a>(s: &mut Statement<'a>, g: &'a Grouped<'a>) {
    let a = &g.audits;
    if a.is_empty() {
        return;
    }
    s.clause(
        "INSERT INTO audit (at, principal, project_id, action, target, request_id, source, \
         outcome, detail) SELECT * FROM ",
    );
    s.unnest(|c| {
        c.col(a.iter().map(|a| a.at).collect(), "bigint")
            .col(a.iter().map(|a| a.principal.as_str()).collect(), "text")
            .col(a.iter().map(|a| a.project_id.as_deref()).collect(), "text")
            .col(a.iter().map(|a| a.action.as_str()).collect(), "text")
            .col(a.iter().map(|a| a.target.as_deref()).collect(), "text")
            .col(a.iter().map(|a| a.request_id.as_str()).collect(), "text")
            .col(a.iter().map(|a| a.source.as_deref()).collect(), "text")
            .col(a.iter().map(|a| a.outcome.as_str()).collect(), "text")
            .col(a.iter().map(|a| a.detail.as_deref()).collect(), "text");
    });
    s.q.push(")");
}

/// The events of the group, numbered from the group's first (`group`'s), each with `"seq"` as
/// the first member of its JSON, as it is served.
fn insert_events<'a>(s: &mut Statement<'a>, events: &[&'a EventRecord], writer: i64, group: &str) {
    if events.is_empty() {
        return;
    }
    s.clause(
        "INSERT INTO events (seq, writer, at, project_id, task_id, type, data) \
         SELECT g.first_event + v.n - 1, ",
    );
    s.q.push_bind(writer).push(
        ", v.at, v.project_id, v.task_id, v.type, \
         '{\"seq\":' || (g.first_event + v.n - 1) \
         || CASE v.rest WHEN '' THEN '}' ELSE ',' || v.rest END FROM ",
    );
    s.q.push(group).push(" g, ");
    s.unnest(|c| {
        c.col(events.iter().map(|e| e.at).collect(), "bigint")
            .col(
                events.iter().map(|e| e.project_id.as_str()).collect(),
                "text",
            )
            .col(events.iter().map(|e| e.task_id).collect(), "bigint")
            .col(events.iter().map(|e| e.kind).collect(), "text")
            .col(events.iter().map(|e| members(&e.data)).collect(), "text");
    });
    s.q.push(" WITH ORDINALITY AS v(at, project_id, task_id, type, rest, n))");
}
