//! Flavors: the sizes servers are said to have (`[[flavors]]`), as Nova lists them.

use super::{InventoryError, ProjectSpec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// A flavor as declared in the inventory; sizes in Nova's units (MiB of RAM and swap, GiB of
/// disk). Private flavors are seen by the projects named in `projects` only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlavorSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub vcpus: u32,
    /// Memory in MiB.
    #[serde(default)]
    pub ram: u64,
    /// Root disk in GiB.
    #[serde(default)]
    pub disk: u64,
    /// Ephemeral disk in GiB.
    #[serde(default)]
    pub ephemeral: u64,
    /// Swap in MiB.
    #[serde(default)]
    pub swap: u64,
    #[serde(default = "one")]
    pub rxtx_factor: f64,
    #[serde(default = "public")]
    pub is_public: bool,
    /// Projects (names or ids; ids once validated) a private flavor is shared with.
    #[serde(default)]
    pub projects: Vec<String>,
    #[serde(default)]
    pub extra_specs: BTreeMap<String, String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn one() -> f64 {
    1.0
}

fn public() -> bool {
    true
}

impl FlavorSpec {
    /// The flavor a server names without it being declared: id and name are what the server
    /// says, every size is 0, and only the server's project sees it.
    pub fn derived(name: &str, project_id: &str) -> FlavorSpec {
        FlavorSpec {
            id: name.to_string(),
            name: name.to_string(),
            vcpus: 0,
            ram: 0,
            disk: 0,
            ephemeral: 0,
            swap: 0,
            rxtx_factor: 1.0,
            is_public: false,
            projects: vec![project_id.to_string()],
            extra_specs: BTreeMap::new(),
            description: None,
        }
    }

    /// Whether a caller scoped to `project_id` sees this flavor (public or shared with it).
    pub fn visible_to(&self, project_id: &str) -> bool {
        self.is_public || self.projects.iter().any(|p| p == project_id)
    }
}

/// Checks ids and names are unique and resolves access lists to project ids.
pub(super) fn validate(
    flavors: &[FlavorSpec],
    projects: &[ProjectSpec],
) -> Result<Vec<FlavorSpec>, InventoryError> {
    let mut seen = HashSet::new();
    flavors
        .iter()
        .map(|f| {
            if !seen.insert(("id", f.id.as_str())) {
                return Err(InventoryError::Duplicate {
                    what: "flavor",
                    name: f.id.clone(),
                });
            }
            if !seen.insert(("name", f.name.as_str())) {
                return Err(InventoryError::Duplicate {
                    what: "flavor name",
                    name: f.name.clone(),
                });
            }
            let mut f = f.clone();
            for p in &mut f.projects {
                let project = projects
                    .iter()
                    .find(|x| x.name == *p || x.id == *p)
                    .ok_or_else(|| InventoryError::UnknownProject {
                        owner: format!("flavor {}", f.id),
                        project: p.clone(),
                    })?;
                *p = project.id.clone();
            }
            Ok(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> ProjectSpec {
        ProjectSpec {
            id: "p1".into(),
            name: "local-1".into(),
            domain: "d".into(),
        }
    }

    fn flavor(id: &str, name: &str) -> FlavorSpec {
        let mut f = FlavorSpec::derived(name, "x");
        f.id = id.into();
        f.projects = vec!["local-1".into()];
        f
    }

    #[test]
    fn access_lists_become_project_ids_and_duplicates_are_refused() {
        let ok = validate(&[flavor("a", "A"), flavor("b", "B")], &[project()]).unwrap();
        assert_eq!(ok[0].projects, ["p1"]);
        assert!(ok[0].visible_to("p1") && !ok[0].visible_to("p2"));
        let dup_id = validate(&[flavor("a", "A"), flavor("a", "B")], &[project()]);
        assert!(matches!(
            dup_id,
            Err(InventoryError::Duplicate { what: "flavor", .. })
        ));
        let dup_name = validate(&[flavor("a", "A"), flavor("b", "A")], &[project()]);
        assert!(matches!(
            dup_name,
            Err(InventoryError::Duplicate {
                what: "flavor name",
                ..
            })
        ));
        let mut stray = flavor("c", "C");
        stray.projects = vec!["nowhere".into()];
        assert!(matches!(
            validate(&[stray], &[project()]),
            Err(InventoryError::UnknownProject { .. })
        ));
    }

    #[test]
    fn a_derived_flavor_is_private_to_its_project() {
        let f = FlavorSpec::derived("gpu.x", "p1");
        assert_eq!(
            (f.id.as_str(), f.name.as_str(), f.vcpus),
            ("gpu.x", "gpu.x", 0)
        );
        assert!(f.visible_to("p1") && !f.visible_to("p2"));
    }
}
