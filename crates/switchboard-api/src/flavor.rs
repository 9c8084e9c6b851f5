//! Flavors as every family sees them: those the inventory declares, plus one derived for each
//! flavor a server names (`attrs.flavor`) that no declared flavor has as id or name.

use crate::AppState;
use serde_json::Value;
use switchboard_core::ResourceKind;
use switchboard_engine::ResourceSnapshot;

pub use switchboard_core::inventory::FlavorSpec as Flavor;

/// Every flavor, declared or derived, in id order. A derived flavor is private to the projects
/// whose servers name it.
pub fn all(state: &AppState) -> Vec<Flavor> {
    let mut flavors: Vec<Flavor> = state.flavors.as_ref().clone();
    let declared = flavors.len();
    for server in state.engine.resources() {
        if server.spec.kind != ResourceKind::Server {
            continue;
        }
        let Some(name) = named(&server) else { continue };
        let project = &server.spec.project_id;
        if flavors[..declared]
            .iter()
            .any(|f| f.id == name || f.name == name)
        {
            continue;
        }
        match flavors[declared..].iter_mut().find(|f| f.id == name) {
            Some(f) if !f.projects.contains(project) => f.projects.push(project.clone()),
            Some(_) => {}
            None => flavors.push(Flavor::derived(name, project)),
        }
    }
    flavors.sort_by(|a, b| a.id.cmp(&b.id));
    flavors
}

/// The flavors a caller scoped to `project_id` sees.
pub fn list(state: &AppState, project_id: &str) -> Vec<Flavor> {
    all(state)
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
    let name = named(server)?;
    state
        .flavors
        .iter()
        .find(|f| f.id == name)
        .or_else(|| state.flavors.iter().find(|f| f.name == name))
        .cloned()
        .or_else(|| Some(Flavor::derived(name, &server.spec.project_id)))
}

fn named(server: &ResourceSnapshot) -> Option<&str> {
    server
        .spec
        .attrs
        .get("flavor")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}
