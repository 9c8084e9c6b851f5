//! Lists' indexes over the world: the nodes of each project (all kinds, and each kind apart)
//! and of each MRS cluster, in node order. A page of a list then costs its page, not a scan of
//! every resource. A node's project, kind and cluster never change (edits change its name and
//! attributes only), and a deleted node keeps its place (lists skip it), so the index only
//! grows, as the world's vectors do: it is built with the world and told of each node added.

use crate::flavors::FlavorIndex;
use crate::images::ImageIndex;
use std::collections::{BTreeMap, HashMap};
use switchboard_core::{ResourceKind, ResourceSpec};

/// Nodes (indices into the world's vectors) by project, project and kind, and cluster;
/// each vector ascending.
#[derive(Debug, Default)]
pub(crate) struct ListIndex {
    projects: HashMap<String, ProjectNodes>,
    clusters: HashMap<i64, Vec<usize>>,
    /// Servers by availability zone, then by (host, project): a zone list costs the zones'
    /// hosts, not the servers. Both are the server's attributes as given (`None`: unset).
    pub zones: ZoneIndex,
    /// The images the servers were built from, by project ([`crate::images`]).
    pub images: ImageIndex,
    /// The flavors the servers name, by project ([`crate::flavors`]).
    pub flavors: FlavorIndex,
}

/// Server nodes by zone, then by (host, project), each vector ascending.
pub(crate) type ZoneIndex =
    BTreeMap<Option<String>, BTreeMap<(Option<String>, String), Vec<usize>>>;

#[derive(Debug, Default)]
struct ProjectNodes {
    all: Vec<usize>,
    /// Few kinds: a short vector beats a map.
    kinds: Vec<(ResourceKind, Vec<usize>)>,
}

impl ListIndex {
    /// The index of `specs`, node `n` being `specs[n]`.
    pub fn build<'a>(specs: impl IntoIterator<Item = &'a ResourceSpec>) -> ListIndex {
        let mut index = ListIndex::default();
        for (n, spec) in specs.into_iter().enumerate() {
            index.push(n, spec);
        }
        index
    }

    /// Adds node `n` (greater than every node already indexed).
    pub fn push(&mut self, n: usize, spec: &ResourceSpec) {
        let project = match self.projects.get_mut(spec.project_id.as_str()) {
            Some(p) => p,
            None => self.projects.entry(spec.project_id.clone()).or_default(),
        };
        project.all.push(n);
        match project.kinds.iter_mut().find(|(k, _)| *k == spec.kind) {
            Some((_, nodes)) => nodes.push(n),
            None => project.kinds.push((spec.kind, vec![n])),
        }
        if let Some(cluster) = spec.cluster {
            self.clusters.entry(cluster).or_default().push(n);
        }
        if spec.kind == ResourceKind::Server {
            let text = |k: &str| {
                spec.attrs
                    .get(k)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let hosts = self.zones.entry(text("availability_zone")).or_default();
            let key = (text("host"), spec.project_id.clone());
            hosts.entry(key).or_default().push(n);
            self.images.push(n, spec);
            self.flavors.push(n, spec);
        }
    }

    /// The nodes of `project` (of `kind` when given), deleted ones included, ascending.
    pub fn of_project(&self, project: &str, kind: Option<ResourceKind>) -> &[usize] {
        let Some(p) = self.projects.get(project) else {
            return &[];
        };
        match kind {
            None => &p.all,
            Some(kind) => p
                .kinds
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(&[][..], |(_, nodes)| nodes),
        }
    }

    /// The nodes of MRS cluster `cluster`, deleted ones included, ascending.
    pub fn of_cluster(&self, cluster: i64) -> &[usize] {
        self.clusters.get(&cluster).map_or(&[][..], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::Lifecycle;

    fn spec(id: &str, project: &str, kind: ResourceKind, cluster: Option<i64>) -> ResourceSpec {
        ResourceSpec {
            id: id.into(),
            project_id: project.into(),
            kind,
            name: id.into(),
            cluster,
            driver: "sim".into(),
            driver_config: serde_json::Value::Null,
            depends_on: vec![],
            initial_state: Lifecycle::Stopped,
            attrs: serde_json::Value::Null,
        }
    }

    #[test]
    fn nodes_are_found_by_project_kind_and_cluster_in_order() {
        let specs = [
            spec("a", "p", ResourceKind::ClusterService, Some(1)),
            spec("b", "q", ResourceKind::Server, None),
            spec("c", "p", ResourceKind::Server, None),
        ];
        let mut index = ListIndex::build(&specs);
        index.push(3, &spec("d", "p", ResourceKind::Server, None));
        assert_eq!(index.of_project("p", None), &[0, 2, 3]);
        assert_eq!(index.of_project("p", Some(ResourceKind::Server)), &[2, 3]);
        assert_eq!(
            index.of_project("q", Some(ResourceKind::Flow)),
            &[] as &[usize]
        );
        assert_eq!(index.of_project("nobody", None), &[] as &[usize]);
        assert_eq!(index.of_cluster(1), &[0]);
        assert_eq!(index.of_cluster(2), &[] as &[usize]);
    }

    #[test]
    fn servers_are_grouped_by_zone_then_host_and_project() {
        let server = |id: &str, project: &str, attrs: serde_json::Value| ResourceSpec {
            attrs,
            ..spec(id, project, ResourceKind::Server, None)
        };
        let specs = [
            server(
                "a",
                "p",
                serde_json::json!({"availability_zone": "z1", "host": "h1"}),
            ),
            spec("s", "p", ResourceKind::ClusterService, Some(1)),
            server(
                "b",
                "q",
                serde_json::json!({"availability_zone": "z1", "host": "h1"}),
            ),
            server(
                "c",
                "p",
                serde_json::json!({"availability_zone": "z1", "host": "h1"}),
            ),
            server("d", "p", serde_json::Value::Null),
        ];
        let index = ListIndex::build(&specs);
        let z1 = &index.zones[&Some("z1".to_string())];
        let h1 = Some("h1".to_string());
        assert_eq!(z1[&(h1.clone(), "p".to_string())], vec![0, 3]);
        assert_eq!(z1[&(h1, "q".to_string())], vec![2]);
        assert_eq!(index.zones[&None][&(None, "p".to_string())], vec![4]);
        assert_eq!(index.zones.len(), 2, "services have no zone");
    }
}
