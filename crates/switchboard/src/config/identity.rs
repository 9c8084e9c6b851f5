//! `[[users]]` and `[[policies]]`: who else may sign in, with which roles and policies.

use anyhow::{bail, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use switchboard_identity::policy::{PolicyDocument, ROLES};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub name: String,
    /// Domain name; the admin's domain when absent.
    #[serde(default)]
    pub domain: Option<String>,
    /// The password in clear (for test inventories), or …
    #[serde(default)]
    pub password: Option<String>,
    /// … the name of an environment variable that holds it.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Project name or id → role (admin, operator or viewer).
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// Names of `[[policies]]` attached to the user.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Gives the user the system role: it administers every project, user and policy.
    #[serde(default)]
    pub system_admin: bool,
    /// Pre-provisioned AK/SK credentials (for automation that has its keys already).
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
}

/// An access key with its secret in clear (test inventories) or in an environment variable.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub access: String,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub secret_env: Option<String>,
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyConfig")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl KeyConfig {
    pub fn secret(&self) -> Option<String> {
        self.secret
            .clone()
            .or_else(|| self.secret_env.as_ref().and_then(|v| std::env::var(v).ok()))
            .filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    pub name: String,
    pub document: PolicyDocument,
}

impl UserConfig {
    /// The configured password, if it can be had.
    pub fn password(&self) -> Option<String> {
        self.password
            .clone()
            .or_else(|| {
                self.password_env
                    .as_ref()
                    .and_then(|v| std::env::var(v).ok())
            })
            .filter(|p| !p.is_empty())
    }
}

/// Checks roles, project and policy references, and policy documents.
pub fn validate(
    users: &[UserConfig],
    policies: &[PolicyConfig],
    projects: &[(String, String)],
) -> Result<()> {
    for p in policies {
        p.document
            .validate()
            .map_err(|e| anyhow::anyhow!("policy {}: {e}", p.name))?;
    }
    for u in users {
        if u.password.is_none() && u.password_env.is_none() {
            bail!("user {}: set password or password_env", u.name);
        }
        for (project, role) in &u.roles {
            if !projects
                .iter()
                .any(|(id, name)| id == project || name == project)
            {
                bail!("user {}: unknown project {project}", u.name);
            }
            if !ROLES.contains(&role.as_str()) {
                bail!(
                    "user {}: unknown role {role} (admin, operator or viewer)",
                    u.name
                );
            }
        }
        for k in &u.keys {
            if k.access.is_empty() || (k.secret.is_none() && k.secret_env.is_none()) {
                bail!(
                    "user {}: every key needs access and secret or secret_env",
                    u.name
                );
            }
            if !switchboard_identity::signing::is_access_key(&k.access) {
                bail!(
                    "user {}: access key {:?} must be 1 to 128 letters, digits, - or _",
                    u.name,
                    k.access
                );
            }
        }
        for p in &u.policies {
            if !policies.iter().any(|q| &q.name == p) {
                bail!("user {}: unknown policy {p}", u.name);
            }
        }
    }
    Ok(())
}
