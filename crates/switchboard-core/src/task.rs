//! The task model shared by the engine, the store and the API.

use serde::{Deserialize, Serialize};

/// A task's 64-bit id: MRS returns it as the command `id`, BMS as `job_id`.
pub type TaskId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskState {
    New,
    InProgress,
    Complete,
    Failed,
    Cancelled,
}

impl TaskState {
    pub const ALL: [TaskState; 5] = [
        TaskState::New,
        TaskState::InProgress,
        TaskState::Complete,
        TaskState::Failed,
        TaskState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::New => "NEW",
            TaskState::InProgress => "IN_PROGRESS",
            TaskState::Complete => "COMPLETE",
            TaskState::Failed => "FAILED",
            TaskState::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Complete | TaskState::Failed | TaskState::Cancelled
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StepState {
    /// Waiting for its prerequisites.
    Pending,
    Running,
    Done,
    Failed,
    /// Not run because a prerequisite failed.
    Skipped,
    /// Not run because the task was cancelled.
    Cancelled,
}

impl StepState {
    pub const ALL: [StepState; 6] = [
        StepState::Pending,
        StepState::Running,
        StepState::Done,
        StepState::Failed,
        StepState::Skipped,
        StepState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "PENDING",
            StepState::Running => "RUNNING",
            StepState::Done => "DONE",
            StepState::Failed => "FAILED",
            StepState::Skipped => "SKIPPED",
            StepState::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<StepState> {
        StepState::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, StepState::Pending | StepState::Running)
    }
}

/// The operation id of one attempt of a step, as drivers receive it (`task-7-step-0-attempt-1`).
pub fn op_id(task: TaskId, step: usize, attempt: u32) -> String {
    format!("task-{task}-step-{step}-attempt-{attempt}")
}

/// The task an operation id of [`op_id`] belongs to.
pub fn op_task(op: &str) -> Option<TaskId> {
    op.strip_prefix("task-")?.split('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in TaskState::ALL {
            assert_eq!(TaskState::parse(t.as_str()), Some(t));
        }
        for s in StepState::ALL {
            assert_eq!(StepState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn an_operation_id_names_its_task() {
        assert_eq!(op_task(&op_id(17, 2, 3)), Some(17));
        assert_eq!(op_task("manual-op"), None);
    }
}
