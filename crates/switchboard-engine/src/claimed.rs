//! An accept the database refused: a task this replica's world did not know of (another
//! replica's) holds one of its resources. The task holding it decides the answer, as it would
//! have in memory: the same operation in flight is that task; any other is a conflict.

use crate::submit::{Operation, SubmitError, Submitted};
use crate::{Engine, EngineError};
use switchboard_core::{TaskId, TaskState};

impl Engine {
    /// The answer to `op`, refused because `holder` holds `resource`; `None` when `holder` has
    /// ended meanwhile, and `op` is to be decided again.
    pub(crate) async fn claimed(
        &self,
        op: &Operation,
        resource: String,
        holder: TaskId,
    ) -> Result<Option<Submitted>, SubmitError> {
        let held = self
            .inner
            .store
            .task(holder)
            .await
            .map_err(EngineError::from)?;
        let Some(task) = held.filter(|t| t.finished_at.is_none()) else {
            return Ok(None);
        };
        tracing::info!(task = holder, %resource, request_id = %op.request_id,
            "an accept was refused by a claim in the database");
        let same = task.action == op.action
            && task.only_self == op.only_self
            && task.targets == op.targets;
        if same {
            return Ok(Some(Submitted {
                task_id: holder,
                state: TaskState::InProgress,
                created: false,
            }));
        }
        let conflict = SubmitError::Conflict {
            resource,
            task: holder,
            action: task.action,
        };
        self.refuse(op, conflict).await
    }
}
