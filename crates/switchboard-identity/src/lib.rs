//! Passwords hashed with Argon2id, opaque bearer tokens stored only as their SHA-256, and the
//! principal a request acts as.

pub mod actions;
pub mod hasher;
pub mod policy;
mod scratch;
pub mod secrets;
pub mod signing;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use hasher::{Busy, HashError, Hasher};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password into an Argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, IdentityError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| IdentityError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string; a malformed hash never verifies.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random secret of `bytes` bytes, hex encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A new opaque token value (the client sees it once, in `X-Subject-Token`).
pub fn new_token() -> String {
    format!("sbt-{}", random_hex(32))
}

/// A readable random password for the generated admin account.
pub fn new_password() -> String {
    random_hex(12)
}

/// What a token is stored under.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who is making a request, resolved from a token.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub user_name: String,
    pub domain_id: String,
    /// The project the credential is scoped to; `None` for an unscoped token.
    pub project_id: Option<String>,
    pub roles: Vec<String>,
    /// Holds the system role: administers every project, user, policy, key and token.
    pub system_admin: bool,
    /// Policy documents attached to the user.
    pub policies: Vec<policy::PolicyDocument>,
    /// When the credential stops being valid (milliseconds since the epoch).
    pub expires_at: i64,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("user", &self.user_name)
            .field("project_id", &self.project_id)
            .field("roles", &self.roles)
            .field("system_admin", &self.system_admin)
            .finish()
    }
}

impl Principal {
    /// Whether this principal may perform `action` (deny by default, explicit deny wins).
    /// A system administrator may administer identities whatever its token's scope.
    pub fn may(&self, action: &str) -> bool {
        if self.system_admin && policy::is_identity_administration(action) {
            let admin = ["admin".to_string()];
            return policy::is_allowed(&admin, &self.policies, action);
        }
        policy::is_allowed(&self.roles, &self.policies, action)
    }

    /// How the principal is named in audit records.
    pub fn audit_name(&self) -> String {
        format!("{}@{}", self.user_name, self.domain_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_when_equal() {
        let h = hash_password("s3cret").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &h));
        assert!(!verify_password("s3cret!", &h));
        assert!(!verify_password("s3cret", "not a hash"));
    }

    #[test]
    fn tokens_are_unique_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
