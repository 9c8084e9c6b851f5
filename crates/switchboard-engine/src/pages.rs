//! Paged reads of the resources: one project's (of one kind, when asked), in inventory order,
//! from a marker (the last id of the previous page) or an offset. They read the world's list
//! index ([`crate::index`]), so a page costs its own size, whatever the inventory holds.

use crate::view::{snapshot, ResourceSnapshot};
use crate::Engine;
use switchboard_core::{Lifecycle, ResourceKind};

/// Which page of which list.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery<'a> {
    /// Only this project's resources: another project's are never listed.
    pub project_id: &'a str,
    /// Only resources of this kind.
    pub kind: Option<ResourceKind>,
    /// Resume after this resource (deleted since, it still marks its place).
    pub marker: Option<&'a str>,
    /// Existing resources to skip (after the marker, if any).
    pub offset: usize,
    /// At most this many.
    pub limit: usize,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct ResourcePage {
    pub items: Vec<ResourceSnapshot>,
    /// The last item's id when more follow: the next page's marker.
    pub next_marker: Option<String>,
}

/// A marker that names no resource of the list (unknown, or another project's or kind's).
#[derive(Debug, Clone, thiserror::Error)]
#[error("marker {0} is not a resource of this list")]
pub struct UnknownMarker(pub String);

impl Engine {
    /// One page of a project's resources.
    pub fn resource_page(&self, q: &PageQuery<'_>) -> Result<ResourcePage, UnknownMarker> {
        let world = self.inner.lock();
        let nodes = world.index.of_project(q.project_id, q.kind);
        let start = match q.marker {
            None => 0,
            Some(m) => {
                let at = world
                    .graph
                    .index_of(m)
                    .filter(|n| nodes.binary_search(n).is_ok())
                    .ok_or_else(|| UnknownMarker(m.to_string()))?;
                nodes.partition_point(|&n| n <= at)
            }
        };
        let mut live = nodes[start..]
            .iter()
            .copied()
            .filter(|&n| !world.nodes[n].deleted)
            .skip(q.offset);
        let items: Vec<ResourceSnapshot> = live
            .by_ref()
            .take(q.limit)
            .map(|n| snapshot(n, &world))
            .collect();
        let more = live.next().is_some();
        let next_marker = match items.last() {
            Some(last) if more => Some(last.spec.id.clone()),
            _ => None,
        };
        Ok(ResourcePage { items, next_marker })
    }

    /// How many resources a project holds (of `kind` when given): a walk of its index, no copy.
    pub fn count_resources(&self, project_id: &str, kind: Option<ResourceKind>) -> usize {
        let world = self.inner.lock();
        world
            .index
            .of_project(project_id, kind)
            .iter()
            .filter(|&&n| !world.nodes[n].deleted)
            .count()
    }

    /// Every resource of a project (of `kind` when given), in inventory order: for reads that
    /// need the whole project (Nova's sorted and filtered server lists, usage counts).
    pub fn project_resources(
        &self,
        project_id: &str,
        kind: Option<ResourceKind>,
    ) -> Vec<ResourceSnapshot> {
        let world = self.inner.lock();
        world
            .index
            .of_project(project_id, kind)
            .iter()
            .filter(|&&n| !world.nodes[n].deleted)
            .map(|&n| snapshot(n, &world))
            .collect()
    }

    /// The states of MRS cluster `cluster`'s resources (its services), in inventory order.
    pub fn cluster_states(&self, cluster: i64) -> Vec<Lifecycle> {
        let world = self.inner.lock();
        world
            .index
            .of_cluster(cluster)
            .iter()
            .filter(|&&n| !world.nodes[n].deleted)
            .map(|&n| world.nodes[n].state)
            .collect()
    }
}
