//! The engine's in-memory view of every resource: state, the task holding it, and the tasks in
//! flight. It is loaded from the store at start and changed only together with a store commit.

use crate::index::ListIndex;
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_core::{Action, DependencyGraph, Driver, Lifecycle, ResourceSpec, TaskId};
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub(crate) struct NodeState {
    pub state: Lifecycle,
    pub claim: Option<(TaskId, Action)>,
    pub last_error: Option<String>,
    /// When its state last changed (Nova's `updated`, `changes-since`).
    pub updated_at: switchboard_core::Millis,
    /// Deleted resources keep their node (indices never move) but are found no more.
    pub deleted: bool,
    /// Declared by the inventory (a reset deletes the others).
    pub configured: bool,
}

impl NodeState {
    /// The node of a stored resource, claimed by no task (claims come back with their tasks).
    pub fn from_record(r: &switchboard_store::ResourceRecord) -> NodeState {
        NodeState {
            state: r.state,
            claim: None,
            last_error: r.last_error.clone(),
            updated_at: r.updated_at,
            deleted: r.deleted,
            configured: r.configured,
        }
    }
}

/// A task that has been accepted and not yet finished.
pub(crate) struct ActiveTask {
    pub targets: Vec<usize>,
    /// The nodes whose claim the task holds: its end releases these, not a scan of every node.
    pub claimed: Vec<usize>,
    pub action: Action,
    pub only_self: bool,
    /// `None` until the task's row is durable, then whether it was.
    pub committed: watch::Receiver<Option<bool>>,
}

/// Node `n` of the graph is `specs[n]`, driven by `drivers[n]`, in state `nodes[n]`.
pub(crate) struct World {
    pub graph: DependencyGraph,
    pub specs: Vec<Arc<ResourceSpec>>,
    pub drivers: Vec<Arc<dyn Driver>>,
    pub nodes: Vec<NodeState>,
    pub active: HashMap<TaskId, ActiveTask>,
    /// Each project's and cluster's nodes, for lists that page.
    pub index: ListIndex,
}

impl World {
    /// The world of `specs` (node `n` is `specs[n]`), with no task in flight.
    pub fn new(
        graph: DependencyGraph,
        specs: Vec<Arc<ResourceSpec>>,
        drivers: Vec<Arc<dyn Driver>>,
        nodes: Vec<NodeState>,
    ) -> World {
        let index = ListIndex::build(specs.iter().map(|s| s.as_ref()));
        World {
            graph,
            specs,
            drivers,
            nodes,
            active: HashMap::new(),
            index,
        }
    }

    /// Adds the node of a resource created at run time; its index.
    pub fn push(
        &mut self,
        spec: Arc<ResourceSpec>,
        driver: Arc<dyn Driver>,
        node: NodeState,
    ) -> Result<usize, switchboard_core::GraphError> {
        let deps: Vec<&str> = spec.depends_on.iter().map(String::as_str).collect();
        let n = self.graph.add_node(&spec.id, &deps)?;
        self.index.push(n, &spec);
        self.specs.push(spec);
        self.drivers.push(driver);
        self.nodes.push(node);
        Ok(n)
    }

    /// The node of a resource that exists (not deleted).
    pub fn index_of(&self, resource_id: &str) -> Option<usize> {
        self.graph
            .index_of(resource_id)
            .filter(|&n| !self.nodes[n].deleted)
    }

    /// The in-flight task doing exactly this request, if any.
    pub fn identical(
        &self,
        targets: &[usize],
        action: Action,
        only_self: bool,
    ) -> Option<(TaskId, &ActiveTask)> {
        let first = *targets.first()?;
        let (task, claimed) = self.nodes[first].claim?;
        let active = self.active.get(&task)?;
        (claimed == action
            && active.action == action
            && active.only_self == only_self
            && active.targets == targets)
            .then_some((task, active))
    }
}
