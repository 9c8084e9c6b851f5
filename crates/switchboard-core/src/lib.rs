//! The heart of Switchboard without any I/O: resources and their lifecycle, the inventory model,
//! the dependency graph with its planner, the task model and the `Driver` trait.

pub mod driver;
pub mod family;
pub mod faults;
pub mod graph;
pub mod inventory;
pub mod lifecycle;
pub mod plan;
pub mod sim_journal;
pub mod task;
pub mod transitions;

pub use driver::{Driver, DriverError, Observed};
pub use graph::{DependencyGraph, GraphError};
pub use inventory::{Inventory, InventoryError, InventoryView, ResourceKind, ResourceSpec};
pub use lifecycle::{Action, Lifecycle};
pub use plan::{plan_operation, Plan, PlanError, PlannedStep, StepMode};
pub use task::{op_id, op_task, StepState, TaskId, TaskState};

/// Milliseconds since the Unix epoch, the one time unit stored everywhere.
pub type Millis = i64;

/// The current time in milliseconds since the Unix epoch.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
