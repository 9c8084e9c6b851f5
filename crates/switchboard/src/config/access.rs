//! `[admin]` (the bootstrap administrator) and `[auth]` (tokens, password-attempt limits, the
//! Argon2 workers).

use anyhow::{bail, Result};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Name of the bootstrap administrator.
    pub user: String,
    /// Name of the domain it belongs to.
    pub domain: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            user: "admin".into(),
            domain: "switchboard".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Lifetime of issued tokens.
    #[serde(with = "humantime_serde")]
    pub token_ttl: Duration,
    /// Password attempts (token requests, MRS `user_password`) one client address may make at
    /// once, and the refill per second.
    pub token_burst: u32,
    pub token_per_second: f64,
    /// The same for one account, whatever the address.
    pub account_burst: u32,
    pub account_per_second: f64,
    /// Threads that run Argon2 (each holds 19 MiB while it works): the memory bound.
    pub hash_workers: usize,
    /// Password checks that may wait for a worker; beyond them, 429.
    pub hash_queue: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_ttl: Duration::from_secs(24 * 3600),
            token_burst: 100,
            token_per_second: 10.0,
            account_burst: 100,
            account_per_second: 2.0,
            hash_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            hash_queue: 256,
        }
    }
}

impl AuthConfig {
    pub fn validate(&self) -> Result<()> {
        for (key, burst, rate) in [
            ("token", self.token_burst, self.token_per_second),
            ("account", self.account_burst, self.account_per_second),
        ] {
            if burst == 0 {
                bail!("auth.{key}_burst must be at least 1");
            }
            if !(rate > 0.0 && rate.is_finite()) {
                bail!("auth.{key}_per_second must be a positive number, not {rate}");
            }
        }
        if self.hash_workers == 0 || self.hash_queue == 0 {
            bail!("auth.hash_workers and auth.hash_queue must be at least 1");
        }
        Ok(())
    }
}
