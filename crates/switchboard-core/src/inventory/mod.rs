//! The inventory: domains, projects and the resources they own, as written in the TOML config,
//! validated and flattened into `ResourceSpec`s.

use crate::graph::{DependencyGraph, GraphError};
use crate::lifecycle::Lifecycle;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

mod flavor;

pub use flavor::FlavorSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ClusterService,
    DbomInstance,
    Flow,
    Server,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::ClusterService => "cluster_service",
            ResourceKind::DbomInstance => "dbom_instance",
            ResourceKind::Flow => "flow",
            ResourceKind::Server => "server",
        }
    }

    pub fn parse(s: &str) -> Option<ResourceKind> {
        [
            ResourceKind::ClusterService,
            ResourceKind::DbomInstance,
            ResourceKind::Flow,
            ResourceKind::Server,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    pub id: String,
    pub name: String,
    /// Name of the domain that owns the project.
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// MRS cluster id (an integer; Manager's default cluster is 1).
    pub id: i64,
    /// Project name or id that owns the cluster.
    pub project: String,
    pub name: String,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
}

fn default_version() -> String {
    "3.1.0".to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: String,
    /// Names of services of the same cluster this one needs running.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// State on first start (`stopped` or `running`).
    #[serde(default = "stopped")]
    pub state: Lifecycle,
    /// Driver name; `sim` by default.
    #[serde(default = "sim")]
    pub driver: String,
    /// Driver-specific settings (for `sim`: `start`, `stop`, `restart` durations).
    #[serde(default)]
    pub config: serde_json::Value,
}

fn stopped() -> Lifecycle {
    Lifecycle::Stopped
}

fn sim() -> String {
    "sim".to_string()
}

/// A DB O&M instance, a Live flow or a bare-metal server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    pub id: String,
    /// Project name or id that owns it.
    pub project: String,
    pub name: String,
    /// State on first start (`stopped` or `running`).
    #[serde(default = "stopped")]
    pub state: Lifecycle,
    #[serde(default = "sim")]
    pub driver: String,
    /// Driver-specific settings.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Attributes its family shows (a flow's region and sources, a server's flavor, …).
    #[serde(default)]
    pub attrs: serde_json::Value,
}

/// The inventory part of the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    #[serde(default)]
    pub domains: Vec<DomainSpec>,
    #[serde(default)]
    pub projects: Vec<ProjectSpec>,
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    #[serde(default)]
    pub dbom_instances: Vec<MemberSpec>,
    #[serde(default)]
    pub flows: Vec<MemberSpec>,
    #[serde(default)]
    pub servers: Vec<MemberSpec>,
    #[serde(default)]
    pub flavors: Vec<FlavorSpec>,
}

/// One managed resource, flattened out of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceSpec {
    pub id: String,
    pub project_id: String,
    pub kind: ResourceKind,
    pub name: String,
    /// The MRS cluster id for cluster services.
    pub cluster: Option<i64>,
    pub driver: String,
    pub driver_config: serde_json::Value,
    /// Ids of the resources this one depends on.
    pub depends_on: Vec<String>,
    pub initial_state: Lifecycle,
    /// Family-specific attributes (a flow's sources, a server's flavor and addresses, …).
    #[serde(default)]
    pub attrs: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("project {project} names unknown domain {domain}")]
    UnknownDomain { project: String, domain: String },
    #[error("{owner} names unknown project {project}")]
    UnknownProject { owner: String, project: String },
    #[error("{what} {name} is declared twice")]
    Duplicate { what: &'static str, name: String },
    #[error("cluster {cluster}: {source}")]
    Graph { cluster: i64, source: GraphError },
    #[error("{service}: initial state must be stopped or running, not {state}")]
    BadInitialState {
        service: String,
        state: &'static str,
    },
}

impl Inventory {
    /// The id of a cluster service resource.
    pub fn service_id(cluster: i64, name: &str) -> String {
        format!("mrs.{cluster}.{name}")
    }

    /// The declared flavors, checked, with their access lists as project ids.
    pub fn flavors(&self) -> Result<Vec<FlavorSpec>, InventoryError> {
        self.view().flavors()
    }

    /// Checks references, duplicates and dependency cycles, and flattens the resources.
    pub fn resources(&self) -> Result<Vec<ResourceSpec>, InventoryError> {
        self.view().resources()
    }

    /// The inventory borrowed, to check and flatten without copying it.
    pub fn view(&self) -> InventoryView<'_> {
        InventoryView {
            domains: &self.domains,
            projects: &self.projects,
            clusters: &self.clusters,
            dbom_instances: &self.dbom_instances,
            flows: &self.flows,
            servers: &self.servers,
            flavors: &self.flavors,
        }
    }
}

/// An inventory whose parts are borrowed (from a configuration, say): checked and flattened
/// like [`Inventory`], without cloning what it declares.
#[derive(Debug, Clone, Copy)]
pub struct InventoryView<'a> {
    pub domains: &'a [DomainSpec],
    pub projects: &'a [ProjectSpec],
    pub clusters: &'a [ClusterSpec],
    pub dbom_instances: &'a [MemberSpec],
    pub flows: &'a [MemberSpec],
    pub servers: &'a [MemberSpec],
    pub flavors: &'a [FlavorSpec],
}

impl InventoryView<'_> {
    /// The declared flavors, checked, with their access lists as project ids.
    pub fn flavors(&self) -> Result<Vec<FlavorSpec>, InventoryError> {
        flavor::validate(self.flavors, self.projects)
    }

    /// Checks references, duplicates and dependency cycles, and flattens the resources.
    pub fn resources(&self) -> Result<Vec<ResourceSpec>, InventoryError> {
        self.flavors()?;
        // Borrowed: checking 100,000 ids copies none of them.
        let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(self.servers.len() + 64);
        let mut clusters = HashSet::new();
        let declared = self
            .clusters
            .iter()
            .map(|c| c.services.len())
            .sum::<usize>()
            + self.dbom_instances.len()
            + self.flows.len()
            + self.servers.len();
        for d in self.domains {
            if !seen.insert(("domain", &d.name)) || !seen.insert(("domain id", &d.id)) {
                return Err(dup("domain", &d.name));
            }
        }
        for p in self.projects {
            if !self.domains.iter().any(|d| d.name == p.domain) {
                return Err(InventoryError::UnknownDomain {
                    project: p.name.clone(),
                    domain: p.domain.clone(),
                });
            }
            if !seen.insert(("project", &p.name)) || !seen.insert(("project id", &p.id)) {
                return Err(dup("project", &p.name));
            }
        }
        let mut out = Vec::with_capacity(declared);
        for c in self.clusters {
            if !clusters.insert(c.id) {
                return Err(dup("cluster", &c.id.to_string()));
            }
            let project = self
                .projects
                .iter()
                .find(|p| p.name == c.project || p.id == c.project)
                .ok_or_else(|| InventoryError::UnknownProject {
                    owner: format!("cluster {}", c.id),
                    project: c.project.clone(),
                })?;
            DependencyGraph::new(
                c.services
                    .iter()
                    .map(|s| (s.name.as_str(), s.depends_on.iter().map(String::as_str))),
            )
            .map_err(|source| InventoryError::Graph {
                cluster: c.id,
                source,
            })?;
            for s in &c.services {
                check_initial_state(&s.name, s.state)?;
                out.push(ResourceSpec {
                    id: Inventory::service_id(c.id, &s.name),
                    project_id: project.id.clone(),
                    kind: ResourceKind::ClusterService,
                    name: s.name.clone(),
                    cluster: Some(c.id),
                    driver: s.driver.clone(),
                    driver_config: s.config.clone(),
                    depends_on: s
                        .depends_on
                        .iter()
                        .map(|d| Inventory::service_id(c.id, d))
                        .collect(),
                    initial_state: s.state,
                    attrs: serde_json::Value::Null,
                });
            }
        }
        let members = [
            (ResourceKind::DbomInstance, self.dbom_instances),
            (ResourceKind::Flow, self.flows),
            (ResourceKind::Server, self.servers),
        ];
        for (kind, list) in members {
            for m in list {
                if !seen.insert(("resource", &m.id)) {
                    return Err(dup("resource", &m.id));
                }
                let project = self
                    .projects
                    .iter()
                    .find(|p| p.name == m.project || p.id == m.project)
                    .ok_or_else(|| InventoryError::UnknownProject {
                        owner: format!("{} {}", kind.as_str(), m.name),
                        project: m.project.clone(),
                    })?;
                check_initial_state(&m.name, m.state)?;
                out.push(ResourceSpec {
                    id: m.id.clone(),
                    project_id: project.id.clone(),
                    kind,
                    name: m.name.clone(),
                    cluster: None,
                    driver: m.driver.clone(),
                    driver_config: m.config.clone(),
                    depends_on: Vec::new(),
                    initial_state: m.state,
                    attrs: m.attrs.clone(),
                });
            }
        }
        Ok(out)
    }
}

fn check_initial_state(name: &str, state: Lifecycle) -> Result<(), InventoryError> {
    if matches!(state, Lifecycle::Stopped | Lifecycle::Running) {
        Ok(())
    } else {
        Err(InventoryError::BadInitialState {
            service: name.to_string(),
            state: state.as_str(),
        })
    }
}

fn dup(what: &'static str, name: &str) -> InventoryError {
    InventoryError::Duplicate {
        what,
        name: name.to_string(),
    }
}

/// The dependency graph over resource ids.
pub fn resource_graph<'a>(
    resources: impl IntoIterator<Item = &'a ResourceSpec>,
) -> Result<DependencyGraph, GraphError> {
    DependencyGraph::new(
        resources
            .into_iter()
            .map(|r| (r.id.as_str(), r.depends_on.iter().map(String::as_str))),
    )
}
