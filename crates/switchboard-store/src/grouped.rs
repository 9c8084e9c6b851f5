//! The writes of one group commit sorted by kind, the same for every backend: each backend
//! applies the kinds as a few many-row statements.

use crate::{AuditRecord, EventRecord, StepRecord, TaskRecord, Write};
use std::collections::HashMap;

/// The writes of a group sorted by kind; later changes to the same row replace earlier ones.
#[derive(Default)]
pub(crate) struct Grouped<'a> {
    pub tasks: Vec<&'a TaskRecord>,
    pub steps: Vec<&'a StepRecord>,
    pub step_updates: Vec<&'a Write>,
    pub task_updates: Vec<&'a Write>,
    pub resource_updates: Vec<&'a Write>,
    pub audits: Vec<&'a AuditRecord>,
    /// Resource creations and deletions: rare, applied one by one, in order, first.
    pub resource_changes: Vec<&'a Write>,
    /// In the order they were written (the log numbers them after the changes are applied).
    pub events: Vec<&'a EventRecord>,
}

impl<'a> Grouped<'a> {
    pub fn new(writes: impl Iterator<Item = &'a Write>) -> Self {
        let mut g = Grouped::default();
        let (mut steps_at, mut tasks_at, mut resources_at) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        for w in writes {
            match w {
                Write::InsertTask { task, steps } => {
                    g.tasks.push(task);
                    g.steps.extend(steps);
                }
                Write::UpdateStep { task_id, idx, .. } => {
                    last_wins(&mut g.step_updates, &mut steps_at, (*task_id, *idx), w)
                }
                Write::UpdateTask { id, .. } => {
                    last_wins(&mut g.task_updates, &mut tasks_at, *id, w)
                }
                Write::SetResource { id, .. } => {
                    last_wins(&mut g.resource_updates, &mut resources_at, id.clone(), w)
                }
                Write::Audit(a) => g.audits.push(a),
                Write::Event(e) => g.events.push(e),
                Write::InsertResource { .. }
                | Write::DeleteResource { .. }
                | Write::EditResource { .. }
                | Write::RequestCancel { .. }
                | Write::SetFaultRules(_)
                | Write::FaultUsed(_)
                | Write::ResetResource { .. }
                | Write::ReplaceState(_)
                | Write::SetTransitions(_)
                | Write::SetClockOffset(_) => g.resource_changes.push(w),
            }
        }
        g
    }
}

fn last_wins<'a, K: std::hash::Hash + Eq>(
    list: &mut Vec<&'a Write>,
    at: &mut HashMap<K, usize>,
    key: K,
    w: &'a Write,
) {
    match at.get(&key) {
        Some(&i) => list[i] = w,
        None => {
            at.insert(key, list.len());
            list.push(w);
        }
    }
}
