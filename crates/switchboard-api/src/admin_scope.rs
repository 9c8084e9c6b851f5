//! Who administers whom (Keystone's system scope, in small). A system administrator administers
//! everything. A project administrator — a caller whose token carries `admin` — administers the
//! projects where it holds `admin`: it sees a user through that user's roles there, and governs
//! (password, policies, keys, tokens, deletion) only a user whose every role lies there.

use std::collections::BTreeSet;
use switchboard_identity::Principal;
use switchboard_store::{Store, StoreResult, UserRecord};

/// What one caller administers.
pub struct AdminScope {
    system: bool,
    projects: BTreeSet<String>,
}

/// A user as administration sees it.
pub struct Target {
    pub user: UserRecord,
    /// (project id, role)
    pub roles: Vec<(String, String)>,
    pub system_admin: bool,
}

impl AdminScope {
    pub async fn of(store: &dyn Store, who: &Principal) -> StoreResult<AdminScope> {
        if who.system_admin {
            return Ok(AdminScope {
                system: true,
                projects: BTreeSet::new(),
            });
        }
        // Administration needs a token scoped where the caller is an administrator.
        let projects = if who.roles.iter().any(|r| r == "admin") {
            store
                .all_roles(&who.user_id)
                .await?
                .into_iter()
                .filter(|(_, role)| role == "admin")
                .map(|(project, _)| project)
                .collect()
        } else {
            BTreeSet::new()
        };
        Ok(AdminScope {
            system: false,
            projects,
        })
    }

    pub fn is_system(&self) -> bool {
        self.system
    }

    /// The projects administered, `None` for a system administrator (all of them).
    pub fn projects(&self) -> Option<Vec<String>> {
        (!self.system).then(|| self.projects.iter().cloned().collect())
    }

    pub fn administers(&self, project_id: &str) -> bool {
        self.system || self.projects.contains(project_id)
    }

    /// Whether the caller may see the user at all (else it answers like an unknown one).
    pub fn sees(&self, target: &Target) -> bool {
        self.system || target.roles.iter().any(|(p, _)| self.projects.contains(p))
    }

    /// Whether the caller may act on the user as a whole: its password, policies, keys, tokens,
    /// existence. A user with no role, or a system administrator, is governed by the system only.
    pub fn governs(&self, target: &Target) -> bool {
        self.system
            || (!target.system_admin
                && !target.roles.is_empty()
                && target.roles.iter().all(|(p, _)| self.projects.contains(p)))
    }

    /// The roles of `target` the caller may see.
    pub fn visible_roles<'a>(&'a self, target: &'a Target) -> Vec<&'a (String, String)> {
        target
            .roles
            .iter()
            .filter(|(p, _)| self.administers(p))
            .collect()
    }
}

impl Target {
    pub async fn load(store: &dyn Store, user_id: &str) -> StoreResult<Option<Target>> {
        match store.user_by_id(user_id).await? {
            Some(user) => Ok(Some(Target::of(store, user).await?)),
            None => Ok(None),
        }
    }

    /// The roles and system role of a user already read.
    pub async fn of(store: &dyn Store, user: UserRecord) -> StoreResult<Target> {
        Ok(Target {
            roles: store.all_roles(&user.id).await?,
            system_admin: store.is_system_admin(&user.id).await?,
            user,
        })
    }
}

/// Whether `who` may act on `user_id`'s keys and tokens: its own, or a user it governs.
pub async fn may_act_for(store: &dyn Store, who: &Principal, user_id: &str) -> StoreResult<bool> {
    if who.user_id == user_id || who.system_admin {
        return Ok(true);
    }
    let Some(target) = Target::load(store, user_id).await? else {
        return Ok(false);
    };
    Ok(AdminScope::of(store, who).await?.governs(&target))
}
