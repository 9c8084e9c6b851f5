//! Flavors as every family sees them: those the inventory declares, plus one derived for each
//! flavor a server names (`attrs.flavor`) that no declared flavor has as id or name.

use crate::AppState;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use switchboard_engine::{NamedFlavor, ResourceSnapshot};

pub use switchboard_core::inventory::FlavorSpec as Flavor;

/// Every flavor, declared or derived, in id order. A derived flavor is private to the projects
/// whose servers name it. For administrators' reads across projects: costs the distinct
/// (project, flavor) pairs the engine's index holds, not the servers.
pub fn all(state: &AppState) -> Vec<Flavor> {
    derive(state, state.engine.named_flavors(None))
}

/// Declared flavors plus those derived from the flavors servers name, in id order.
fn derive(state: &AppState, named: Vec<NamedFlavor>) -> Vec<Flavor> {
    let mut flavors: Vec<Flavor> = state.flavors.as_ref().clone();
    let declared: HashSet<&str> = state
        .flavors
        .iter()
        .flat_map(|f| [f.id.as_str(), f.name.as_str()])
        .collect();
    // Derived flavors by id, so each name costs a lookup, not a scan.
    let mut derived: HashMap<String, usize> = HashMap::new();
    for NamedFlavor { project_id, name } in named {
        if declared.contains(name.as_str()) {
            continue;
        }
        match derived.get(&name) {
            Some(&at) if !flavors[at].projects.contains(&project_id) => {
                flavors[at].projects.push(project_id)
            }
            Some(_) => {}
            None => {
                derived.insert(name.clone(), flavors.len());
                flavors.push(Flavor::derived(&name, &project_id));
            }
        }
    }
    flavors.sort_by(|a, b| a.id.cmp(&b.id));
    flavors
}

/// The flavors a caller scoped to `project_id` sees: derived ones come from the flavors that
/// project's servers name (the engine's per-project index), so other projects and the number
/// of servers cost nothing.
pub fn list(state: &AppState, project_id: &str) -> Vec<Flavor> {
    derive(state, state.engine.named_flavors(Some(project_id)))
        .into_iter()
        .filter(|f| f.visible_to(project_id))
        .collect()
}

/// The flavor `id` if a caller scoped to `project_id` sees it.
pub fn find(state: &AppState, project_id: &str, id: &str) -> Option<Flavor> {
    list(state, project_id).into_iter().find(|f| f.id == id)
}

/// The flavor a server names, by id or name; derived when not declared.
pub fn of_server(state: &AppState, server: &ResourceSnapshot) -> Option<Flavor> {
    of_server_borrowed(state, server).map(Cow::into_owned)
}

/// [`of_server`] without copying a declared flavor.
pub fn of_server_borrowed<'a>(
    state: &'a AppState,
    server: &ResourceSnapshot,
) -> Option<Cow<'a, Flavor>> {
    let name = named(server)?;
    state
        .flavors
        .iter()
        .find(|f| f.id == name)
        .or_else(|| state.flavors.iter().find(|f| f.name == name))
        .map(Cow::Borrowed)
        .or_else(|| Some(Cow::Owned(Flavor::derived(name, &server.spec.project_id))))
}

/// What a server uses of its project's quota: (vCPUs, MiB of memory), its `vcpus` and `ram`
/// attributes when given, else its flavor's. Nova's limits and BMS's quota both count this.
pub fn usage(state: &AppState, server: &ResourceSnapshot) -> (u64, u64) {
    let attr = |k: &str| server.spec.attrs.get(k).and_then(Value::as_u64);
    let flavor = || of_server(state, server);
    let vcpus = attr("vcpus").unwrap_or_else(|| flavor().map_or(0, |f| u64::from(f.vcpus)));
    let ram = attr("ram").unwrap_or_else(|| flavor().map_or(0, |f| f.ram));
    (vcpus, ram)
}

fn named(server: &ResourceSnapshot) -> Option<&str> {
    switchboard_engine::server_flavor(&server.spec)
}
