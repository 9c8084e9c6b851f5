//! Every password check the API makes goes through here: the limit per client address, the
//! limit per account, then the bounded hashing pool. Each answers the caller's family with 429
//! and a `Retry-After` when it refuses.

use crate::ratelimit::{address_key, retry_after_secs, Limited, RateLimiter};
use crate::ApiConfig;
use std::hash::BuildHasher;
use switchboard_identity::Hasher;

/// Buckets shared by all unknown user names: they bound the limiter's table, and a flood of
/// made-up names only throttles other made-up names.
const UNKNOWN_BUCKETS: u64 = 4096;

/// Why a password was not checked; each carries the seconds for `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Too many attempts from this client address.
    Address(u64),
    /// Too many attempts for this account.
    Account(u64),
    /// Every hashing worker is busy and the queue is full.
    Busy,
}

impl Refused {
    pub fn retry_after(self) -> u64 {
        match self {
            Refused::Address(s) | Refused::Account(s) => s,
            Refused::Busy => 1,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refused::Address(_) => "Too many password attempts from this address; retry later.",
            Refused::Account(_) => "Too many password attempts for this account; retry later.",
            Refused::Busy => "The server is busy checking passwords; retry later.",
        }
    }

    /// What logs call it.
    pub fn reason(self) -> &'static str {
        match self {
            Refused::Address(_) => "address rate limit",
            Refused::Account(_) => "account rate limit",
            Refused::Busy => "hashing queue full",
        }
    }
}

/// The account an attempt is for.
pub enum Account<'a> {
    /// An existing user, by id.
    Known(&'a str),
    /// A user that does not exist, as the client named it.
    Unknown(&'a str),
}

/// Longest password checked (Keystone's default `max_password_length`).
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// The limits and the hashing pool behind every password check.
pub struct Logins {
    addresses: RateLimiter,
    accounts: RateLimiter,
    hasher: Hasher,
    buckets: std::collections::hash_map::RandomState,
}

impl Logins {
    pub fn new(config: &ApiConfig, hasher: Hasher) -> Self {
        Logins {
            addresses: RateLimiter::new(config.token_burst, config.token_per_second),
            accounts: RateLimiter::new(config.account_burst, config.account_per_second),
            hasher,
            buckets: Default::default(),
        }
    }

    /// The pool every Argon2 use goes through.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The per-address limit; checked first, before anything costly.
    pub fn address(&self, peer: Option<&str>) -> Result<(), Refused> {
        self.addresses
            .check(&address_key(peer))
            .map_err(|Limited(wait)| Refused::Address(retry_after_secs(wait)))
    }

    /// The per-account limit, then `password` against `phc` on the pool (against a dummy hash
    /// when the account does not exist, so both cost the same).
    pub async fn verify(
        &self,
        account: Account<'_>,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, Refused> {
        let key = match account {
            Account::Known(id) => format!("user:{id}"),
            Account::Unknown(name) => format!(
                "unknown:{}",
                self.buckets.hash_one(name.to_lowercase()) % UNKNOWN_BUCKETS
            ),
        };
        self.accounts
            .check(&key)
            .map_err(|Limited(wait)| Refused::Account(retry_after_secs(wait)))?;
        // No password is that long: refused without queueing it, so that waiting checks hold
        // little memory whatever the clients send.
        if password.len() > MAX_PASSWORD_BYTES {
            return Ok(false);
        }
        self.hasher
            .verify(password, phc)
            .await
            .map_err(|_| Refused::Busy)
    }
}
