//! Who waits for whom in a running task: each step's dependents and its count of prerequisites
//! not yet DONE, so that a step event costs its out-degree rather than a rescan of the plan.
//!
//! Prerequisite lists may be the direct ones (plans since issue 13) or transitive ones (tasks
//! accepted before, resumed after a restart): both give the same order.

use switchboard_core::StepState;
use switchboard_store::StepRecord;

pub(crate) struct Dag {
    /// `dependents[a]`: the steps that list `a` among their prerequisites.
    dependents: Vec<Vec<usize>>,
    /// Prerequisites of each step that are not DONE.
    waiting: Vec<usize>,
    /// Steps to launch: all prerequisites DONE, or RUNNING when the task was resumed.
    ready: Vec<usize>,
    launched: Vec<bool>,
    /// Steps that ended other than DONE whose dependents are not settled yet.
    unsettled: Vec<usize>,
}

impl Dag {
    /// The bookkeeping of `steps` as they stand (fresh, or resumed in any state).
    pub fn new(steps: &[StepRecord]) -> Dag {
        let n = steps.len();
        let mut dag = Dag {
            dependents: vec![Vec::new(); n],
            waiting: vec![0; n],
            ready: Vec::new(),
            launched: vec![false; n],
            unsettled: Vec::new(),
        };
        for (i, s) in steps.iter().enumerate() {
            let mut after: Vec<usize> = s.after.iter().copied().filter(|&a| a < n).collect();
            after.sort_unstable();
            after.dedup();
            for a in after {
                dag.dependents[a].push(i);
                if steps[a].state != StepState::Done {
                    dag.waiting[i] += 1;
                }
            }
        }
        for (i, s) in steps.iter().enumerate() {
            match s.state {
                StepState::Running => dag.ready.push(i),
                StepState::Pending if dag.waiting[i] == 0 => dag.ready.push(i),
                StepState::Pending | StepState::Done => {}
                _ => dag.unsettled.push(i),
            }
        }
        dag
    }

    /// Step `i` ended in `state`: a DONE step may make its dependents ready; any other end
    /// blocks them (see [`Dag::blocked`]).
    pub fn finished(&mut self, i: usize, state: StepState) {
        if state != StepState::Done {
            self.unsettled.push(i);
            return;
        }
        for &d in &self.dependents[i] {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 {
                self.ready.push(d);
            }
        }
    }

    /// The steps to launch now, each once: RUNNING ones (resumed) always, PENDING ones unless
    /// the task is cancelled.
    pub fn take_ready(&mut self, steps: &[StepRecord], cancelled: bool) -> Vec<usize> {
        let mut ready = std::mem::take(&mut self.ready);
        ready.retain(|&i| {
            let s = &steps[i];
            let go = !self.launched[i]
                && (s.state == StepState::Running || (s.state == StepState::Pending && !cancelled));
            if go {
                self.launched[i] = true;
            }
            go
        });
        ready.sort_unstable();
        ready
    }

    /// The PENDING steps that can never run because a prerequisite (directly or through
    /// others) ended other than DONE, in index order; the caller settles them.
    pub fn blocked(&mut self, steps: &[StepRecord]) -> Vec<usize> {
        let mut found = Vec::new();
        let mut marked = std::collections::HashSet::new();
        let mut stack = std::mem::take(&mut self.unsettled);
        while let Some(i) = stack.pop() {
            for &d in &self.dependents[i] {
                if steps[d].state == StepState::Pending && marked.insert(d) {
                    found.push(d);
                    stack.push(d);
                }
            }
        }
        found.sort_unstable();
        found
    }

    /// Forgets the blocked steps still to settle (a cancel settles every PENDING step).
    pub fn clear_unsettled(&mut self) {
        self.unsettled.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::Action;

    fn step(idx: usize, after: &[usize], state: StepState) -> StepRecord {
        StepRecord {
            task_id: 1,
            idx,
            resource_id: format!("r{idx}"),
            action: Action::Start,
            follow_task: None,
            after: after.to_vec(),
            state,
            attempts: 0,
            prior_state: switchboard_core::Lifecycle::Stopped,
            expected_ms: 0,
            started_at: None,
            finished_at: None,
            error: None,
            output: None,
        }
    }

    #[test]
    fn transitive_and_direct_lists_run_in_the_same_order() {
        for lists in [
            vec![vec![], vec![0], vec![0, 1], vec![0, 1, 2]],
            vec![vec![], vec![0], vec![1], vec![2]],
        ] {
            let mut steps: Vec<StepRecord> = lists
                .iter()
                .enumerate()
                .map(|(i, a)| step(i, a, StepState::Pending))
                .collect();
            let mut dag = Dag::new(&steps);
            let mut order = Vec::new();
            while let Some(&i) = dag.take_ready(&steps, false).first() {
                order.push(i);
                steps[i].state = StepState::Done;
                dag.finished(i, StepState::Done);
            }
            assert_eq!(order, vec![0, 1, 2, 3]);
        }
    }

    #[test]
    fn a_failure_blocks_everything_behind_it_once() {
        let mut steps = vec![
            step(0, &[], StepState::Failed),
            step(1, &[0], StepState::Pending),
            step(2, &[1], StepState::Pending),
            step(3, &[], StepState::Running),
            step(4, &[1, 2], StepState::Pending),
        ];
        let mut dag = Dag::new(&steps);
        assert_eq!(dag.take_ready(&steps, false), vec![3]);
        assert_eq!(dag.blocked(&steps), vec![1, 2, 4]);
        for i in [1, 2, 4] {
            steps[i].state = StepState::Skipped;
        }
        assert!(dag.blocked(&steps).is_empty());
        assert!(dag.take_ready(&steps, false).is_empty());
    }
}
