//! Whether a rule's scope covers a request or a step.

use super::FaultRule;
use crate::{Action, ResourceKind};

/// What is known of an API request when its family checks its action.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    /// `mrs`, `nova`, `dbss`, `live`, `bms`, `iam`, `native`, `glance`.
    pub family: String,
    /// The permission-table action; `None` where the family checks none (Keystone).
    pub action: Option<String>,
    /// The project(s) the request is about: the path's and the credential's.
    pub projects: Vec<String>,
    /// Ids and names of the resources the path names.
    pub resources: Vec<String>,
}

/// What is known of a step when the driver performs it.
#[derive(Debug, Clone)]
pub struct StepFacts {
    pub kind: ResourceKind,
    pub action: Action,
    pub project_id: String,
    pub resource_id: String,
    pub resource_name: String,
}

/// The families serving resources of `kind`.
fn families_of(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::ClusterService => &["mrs"],
        ResourceKind::DbomInstance => &["dbss"],
        ResourceKind::Flow => &["live"],
        ResourceKind::Server => &["nova", "bms"],
    }
}

/// The permission-table actions that run a step of `action` on a resource of `kind`.
pub fn step_actions(kind: ResourceKind, action: Action) -> &'static [&'static str] {
    use Action::*;
    use ResourceKind::*;
    match (kind, action) {
        (ClusterService, Start) => &["mrs:service:start"],
        (ClusterService, Stop) => &["mrs:service:stop"],
        (ClusterService, Restart) => &["mrs:service:restart"],
        (DbomInstance, Start) => &["dbss:instance:start"],
        (DbomInstance, Stop) => &["dbss:instance:stop"],
        (DbomInstance, Restart) => &["dbss:instance:reboot"],
        (Flow, Start) => &["live:ott:updateFlowStatusStart"],
        (Flow, Stop) => &["live:ott:updateFlowStatusStop"],
        (Flow, Restart) => &[],
        (Server, Start) => &["nova:server:start", "bms:servers:start"],
        (Server, Stop) => &["nova:server:stop", "bms:servers:stop"],
        (Server, Restart) => &["nova:server:reboot", "bms:servers:reboot"],
    }
}

fn verb(action: &str) -> &str {
    action.rsplit(':').next().unwrap_or(action)
}

/// Set fields that must hold, as one check each; a field not set holds.
fn holds<T>(field: &Option<T>, check: impl FnOnce(&T) -> bool) -> bool {
    field.as_ref().is_none_or(check)
}

impl FaultRule {
    fn family_holds(&self, families: &[&str]) -> bool {
        holds(&self.family, |f| families.contains(&f.as_str()))
            && holds(&self.service, |f| families.contains(&f.as_str()))
    }

    fn projects_hold(&self, projects: &[&str]) -> bool {
        let any = |ids: &Option<Vec<String>>, given: &Option<String>| {
            given.is_none()
                || ids
                    .as_ref()
                    .is_some_and(|ids| ids.iter().any(|i| projects.contains(&i.as_str())))
        };
        any(&self.project_ids, &self.project) && any(&self.region_ids, &self.region)
    }

    /// Whether this API-fault rule covers the request.
    pub fn covers_request(&self, facts: &RequestFacts, glob: fn(&str, &str) -> bool) -> bool {
        if self.driver.is_some() || !self.family_holds(&[facts.family.as_str()]) {
            return false;
        }
        let action = facts.action.as_deref();
        let projects: Vec<&str> = facts.projects.iter().map(String::as_str).collect();
        holds(&self.action, |p| action.is_some_and(|a| glob(p, a)))
            && holds(&self.operation, |o| {
                action.is_some_and(|a| verb(a).eq_ignore_ascii_case(o))
            })
            && self.projects_hold(&projects)
            && holds(&self.resource, |r| facts.resources.contains(r))
    }

    /// Whether this driver-fault rule covers the step.
    pub fn covers_step(&self, facts: &StepFacts, glob: fn(&str, &str) -> bool) -> bool {
        if self.driver.is_none() || !self.family_holds(families_of(facts.kind)) {
            return false;
        }
        let actions = step_actions(facts.kind, facts.action);
        holds(&self.action, |p| actions.iter().any(|a| glob(p, a)))
            && holds(&self.operation, |o| {
                facts.action.as_str().eq_ignore_ascii_case(o)
                    || actions.iter().any(|a| verb(a).eq_ignore_ascii_case(o))
            })
            && self.projects_hold(&[facts.project_id.as_str()])
            && holds(&self.resource, |r| {
                *r == facts.resource_id || *r == facts.resource_name
            })
    }
}
