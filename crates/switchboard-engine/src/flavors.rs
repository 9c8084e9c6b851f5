//! The flavors servers name (a server's `flavor` attribute), kept by project in the list index:
//! Nova's and BMS's flavor lists derive the undeclared ones from it, so they cost the distinct
//! (project, flavor) pairs, not the servers. A server's flavor never changes (no edit reaches
//! servers), so, like the rest of the index, this only grows; a pair counts while one of its
//! servers exists.

use crate::Engine;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use switchboard_core::{ResourceKind, ResourceSpec};

/// Each project's flavor names, with the server nodes naming each (ascending).
#[derive(Debug, Default)]
pub(crate) struct FlavorIndex {
    projects: HashMap<String, ProjectFlavors>,
}

/// Flavor name → the server nodes naming it.
type ProjectFlavors = BTreeMap<String, Vec<usize>>;

/// The flavor `spec` names (its `flavor` attribute), when it is a server that names one.
pub fn server_flavor(spec: &ResourceSpec) -> Option<&str> {
    if spec.kind != ResourceKind::Server {
        return None;
    }
    spec.attrs
        .get("flavor")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl FlavorIndex {
    /// Adds node `n` (greater than every node already indexed).
    pub fn push(&mut self, n: usize, spec: &ResourceSpec) {
        let Some(name) = server_flavor(spec) else {
            return;
        };
        let project = self.projects.entry(spec.project_id.clone()).or_default();
        project.entry(name.to_string()).or_default().push(n);
    }
}

/// A flavor some existing server of `project_id` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedFlavor {
    pub project_id: String,
    pub name: String,
}

impl Engine {
    /// The flavors the existing servers of `project` (of every project when `None`) name, in
    /// the order of the first server naming each, as a walk over the servers would meet them.
    pub fn named_flavors(&self, project: Option<&str>) -> Vec<NamedFlavor> {
        let world = self.inner.lock();
        let projects = &world.index.flavors.projects;
        let chosen: Box<dyn Iterator<Item = (&String, &ProjectFlavors)>> = match project {
            Some(p) => Box::new(projects.get_key_value(p).into_iter()),
            None => Box::new(projects.iter()),
        };
        let mut found: Vec<(usize, NamedFlavor)> = chosen
            .flat_map(|(project_id, names)| {
                names.iter().filter_map(|(name, nodes)| {
                    let first = nodes.iter().find(|&&n| !world.nodes[n].deleted)?;
                    let flavor = NamedFlavor {
                        project_id: project_id.clone(),
                        name: name.clone(),
                    };
                    Some((*first, flavor))
                })
            })
            .collect();
        found.sort_unstable_by_key(|(node, _)| *node);
        found.into_iter().map(|(_, f)| f).collect()
    }
}
