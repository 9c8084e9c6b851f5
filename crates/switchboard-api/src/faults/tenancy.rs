//! Whose rules a caller governs. Rules are shared by every project of the server, so a project
//! administrator (or a user a policy lets change rules) must not fail another project's
//! requests: it governs (sees, replaces, removes) only the rules bound to its token's project
//! and the projects it administers, and a rule it gives without `project` is bound to its
//! token's project. A system administrator governs every rule.

use crate::admin_scope::AdminScope;
use crate::native::NativeError;
use std::collections::BTreeSet;
use switchboard_core::faults::FaultRule;
use switchboard_identity::Principal;
use switchboard_store::{Store, StoreResult};

pub struct RuleTenancy {
    /// `None` for a system administrator: every project.
    projects: Option<BTreeSet<String>>,
}

impl RuleTenancy {
    pub async fn of(store: &dyn Store, who: &Principal) -> StoreResult<RuleTenancy> {
        let projects = AdminScope::of(store, who).await?.projects().map(|admin| {
            let mut all: BTreeSet<String> = admin.into_iter().collect();
            all.extend(who.project_id.clone());
            all
        });
        Ok(RuleTenancy { projects })
    }

    /// The projects whose firings the caller reads; `None` for all.
    pub fn projects(&self) -> Option<Vec<String>> {
        self.projects.as_ref().map(|p| p.iter().cloned().collect())
    }

    /// Whether the rule (its projects resolved) is the caller's to see and change.
    pub fn owns(&self, rule: &FaultRule) -> bool {
        let Some(mine) = &self.projects else {
            return true;
        };
        rule.project_ids
            .as_ref()
            .is_some_and(|ids| !ids.is_empty() && ids.iter().all(|p| mine.contains(p)))
    }

    /// Binds rules that name no project to the caller's, before they are resolved.
    pub fn bind(&self, who: &Principal, rules: &mut [FaultRule]) {
        if self.projects.is_none() {
            return;
        }
        for rule in rules.iter_mut().filter(|r| r.project.is_none()) {
            rule.project.clone_from(&who.project_id);
        }
    }

    /// Refuses resolved rules that reach beyond the caller's projects, naming the first.
    pub fn check(&self, rules: &[FaultRule], offset: usize) -> Result<(), NativeError> {
        match rules.iter().position(|r| !self.owns(r)) {
            None => Ok(()),
            Some(i) => Err(NativeError::forbidden(format!(
                "rules[{}].project: rules reach the token's project and the projects \
                 the caller administers only",
                i + offset
            ))),
        }
    }
}
