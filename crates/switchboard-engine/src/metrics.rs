//! Prometheus series of the engine: tasks by state, what is in flight (the engine's queue
//! depth), step durations by driver and action, retried and failed steps. Recorded through the
//! `metrics` facade: without an installed recorder every call here does nothing.

use crate::Inner;
use std::time::Instant;
use switchboard_core::{Action, StepState, TaskId, TaskState};
use switchboard_store::StepRecord;

const TASKS: &str = "switchboard_tasks_total";
const TASKS_IN_FLIGHT: &str = "switchboard_tasks_in_flight";
const STEPS_IN_FLIGHT: &str = "switchboard_steps_in_flight";
const STEP_DURATION: &str = "switchboard_step_duration_seconds";
const STEP_RETRIES: &str = "switchboard_step_retries_total";
const STEPS_FAILED: &str = "switchboard_steps_failed_total";
const TASKS_TAKEN_OVER: &str = "switchboard_tasks_taken_over_total";

/// Describes the engine's series (`# HELP` lines); call once the recorder is installed.
pub fn describe() {
    metrics::describe_counter!(
        TASKS,
        "Tasks that entered each state since the server started: IN_PROGRESS when one starts \
         running (or resumes after a restart), then COMPLETE, FAILED or CANCELLED"
    );
    metrics::describe_gauge!(TASKS_IN_FLIGHT, "Tasks running now");
    metrics::describe_gauge!(
        STEPS_IN_FLIGHT,
        "Steps running now (waiting steps excluded)"
    );
    metrics::describe_histogram!(
        STEP_DURATION,
        metrics::Unit::Seconds,
        "Time a step took to finish, retries included, by driver, action and outcome"
    );
    metrics::describe_counter!(STEP_RETRIES, "Step attempts retried, by driver and action");
    metrics::describe_counter!(STEPS_FAILED, "Steps that failed, by driver and action");
    metrics::describe_counter!(
        TASKS_TAKEN_OVER,
        "Tasks this replica claimed because no live replica ran them (the one running them died, \
         paused or was cut off past its lease, or left; or it ran them itself before a restart)"
    );
}

/// A task this replica claimed from one whose lease expired.
pub(crate) fn task_taken_over() {
    metrics::counter!(TASKS_TAKEN_OVER).increment(1);
}

/// A task stopped running here without an end: handed over, or this replica was fenced off.
pub(crate) fn task_left() {
    metrics::gauge!(TASKS_IN_FLIGHT).decrement(1.0);
}

/// A task starts (or resumes) running.
pub(crate) fn task_started() {
    metrics::counter!(TASKS, "state" => TaskState::InProgress.as_str()).increment(1);
    metrics::gauge!(TASKS_IN_FLIGHT).increment(1.0);
}

/// A task reached its final state.
pub(crate) fn task_finished(state: TaskState) {
    metrics::counter!(TASKS, "state" => state.as_str()).increment(1);
    metrics::gauge!(TASKS_IN_FLIGHT).decrement(1.0);
}

/// Runs step `record` of `task`, timing it. A step that follows another task's step is not a
/// driver's work: it is counted in flight but not timed.
pub(crate) async fn run_step(
    inner: &std::sync::Arc<Inner>,
    task: TaskId,
    project: &str,
    record: StepRecord,
) -> StepRecord {
    let driver = driver_of(inner, &record.resource_id);
    let follows = record.follow_task.is_some();
    let started = Instant::now();
    metrics::gauge!(STEPS_IN_FLIGHT).increment(1.0);
    let done = crate::step::run(inner, task, project, record).await;
    metrics::gauge!(STEPS_IN_FLIGHT).decrement(1.0);
    if !follows {
        let (action, failed) = (done.action.as_str(), done.state == StepState::Failed);
        let outcome = if failed { "failed" } else { "done" };
        metrics::histogram!(STEP_DURATION, "driver" => driver.clone(), "action" => action,
            "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
        if failed {
            metrics::counter!(STEPS_FAILED, "driver" => driver, "action" => action).increment(1);
        }
    }
    done
}

/// An attempt of a step on `resource_id` failed and will be retried.
pub(crate) fn step_retried(inner: &Inner, resource_id: &str, action: Action) {
    let driver = driver_of(inner, resource_id);
    metrics::counter!(STEP_RETRIES, "driver" => driver, "action" => action.as_str()).increment(1);
}

/// The driver's name (a configured one: bounded), or `unknown`.
fn driver_of(inner: &Inner, resource_id: &str) -> String {
    let world = inner.lock();
    world
        .index_of(resource_id)
        .map_or_else(|| "unknown".into(), |n| world.specs[n].driver.clone())
}
