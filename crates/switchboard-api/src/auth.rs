//! Token authentication: `X-Auth-Token` → `Principal`, with a small cache in front of the store.

use crate::gateway::GatewayError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use switchboard_core::now_millis;
use switchboard_identity::secrets::MasterKey;
use switchboard_identity::{token_hash, Principal};
use switchboard_store::{Store, StoreError};

/// Most tokens kept in the validation cache before it is emptied.
const CACHE_LIMIT: usize = 50_000;

pub struct AuthService {
    store: Arc<dyn Store>,
    cache: Mutex<Cache>,
    master_key: MasterKey,
    /// AK/SK failures and locks per access key.
    pub(crate) lockouts: crate::aksk::Lockouts,
}

/// Principals by token hash. `generation` moves on every forget, so that a lookup that read the
/// store before a revocation cannot put the revoked principal back afterwards.
#[derive(Default)]
struct Cache {
    generation: u64,
    entries: HashMap<String, Principal>,
}

pub enum TokenCheck {
    Valid(Principal),
    Unknown,
    Expired(i64),
}

impl AuthService {
    pub fn new(store: Arc<dyn Store>, master_key: MasterKey) -> Self {
        AuthService {
            store,
            cache: Mutex::new(Cache::default()),
            master_key,
            lockouts: Default::default(),
        }
    }

    pub fn master_key(&self) -> &MasterKey {
        &self.master_key
    }

    /// The principal of `user_id` acting in `project_id`; `None` if the user does not exist or
    /// has no role in that project.
    pub async fn principal(
        &self,
        user_id: &str,
        project_id: Option<String>,
        expires_at: i64,
    ) -> Result<Option<Principal>, StoreError> {
        let Some(user) = self.store.user_by_id(user_id).await? else {
            return Ok(None);
        };
        let roles = match &project_id {
            Some(p) => self.store.roles(&user.id, p).await?,
            None => Vec::new(),
        };
        if project_id.is_some() && roles.is_empty() {
            return Ok(None);
        }
        let mut policies = Vec::new();
        for doc in self.store.user_policy_documents(&user.id).await? {
            match serde_json::from_str(&doc) {
                Ok(p) => policies.push(p),
                // Stored documents were validated when written; a bad one grants nothing.
                Err(err) => tracing::error!(%err, user = %user.name, "unreadable policy document"),
            }
        }
        let system_admin = self.store.is_system_admin(&user.id).await?;
        Ok(Some(Principal {
            system_admin,
            user_id: user.id,
            user_name: user.name,
            domain_id: user.domain_id,
            project_id,
            roles,
            policies,
            expires_at,
        }))
    }

    /// Forgets a revoked token.
    pub fn forget(&self, token_hash: &str) {
        let mut cache = self.lock();
        cache.generation += 1;
        cache.entries.remove(token_hash);
    }

    /// Forgets every cached principal (after a change to users, roles or policies).
    pub fn forget_all(&self) {
        let mut cache = self.lock();
        cache.generation += 1;
        cache.entries.clear();
    }

    /// Resolves a presented token.
    pub async fn check(&self, token: &str) -> Result<TokenCheck, StoreError> {
        let hash = token_hash(token);
        let (cached, generation) = {
            let cache = self.lock();
            (cache.entries.get(&hash).cloned(), cache.generation)
        };
        let principal = match cached {
            Some(p) => p,
            None => {
                let Some(record) = self.store.token(&hash).await? else {
                    return Ok(TokenCheck::Unknown);
                };
                let found = self
                    .principal(&record.user_id, record.project_id, record.expires_at)
                    .await?;
                let Some(principal) = found else {
                    return Ok(TokenCheck::Unknown);
                };
                let mut cache = self.lock();
                if cache.generation == generation {
                    if cache.entries.len() >= CACHE_LIMIT {
                        cache.entries.clear();
                    }
                    cache.entries.insert(hash, principal.clone());
                }
                principal
            }
        };
        if principal.expires_at <= now_millis() {
            return Ok(TokenCheck::Expired(principal.expires_at));
        }
        Ok(TokenCheck::Valid(principal))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A request made with a valid token.
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // A request signed with AK/SK was verified by the middleware already.
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(Authenticated(p.clone()));
        }
        let Some(token) = parts.headers.get("x-auth-token") else {
            return Err(GatewayError::unauthorized("x-auth-token not found"));
        };
        let token = token
            .to_str()
            .map_err(|_| GatewayError::unauthorized("decrypt token fail"))?;
        match state.auth.check(token).await {
            Ok(TokenCheck::Valid(p)) => Ok(Authenticated(crate::request_id::principal(p))),
            Ok(TokenCheck::Unknown) => Err(GatewayError::unauthorized("decrypt token fail")),
            Ok(TokenCheck::Expired(at)) => Err(GatewayError::unauthorized(&format!(
                "token expires, expires_at: {}",
                crate::time::iso_micros(at)
            ))),
            Err(err) => {
                tracing::error!(%err, "token lookup failed");
                Err(GatewayError::unavailable())
            }
        }
    }
}

/// The source address of a PROXY protocol header the connection began with (a standby replica
/// or a load balancer passing it on), in the request's extensions. Believed only from a peer in
/// `api.trusted_proxies`.
#[derive(Debug, Clone, Copy)]
pub struct ProxiedFrom(pub std::net::SocketAddr);

impl ProxiedFrom {
    /// Who is at the other end of a connection from `peer`: the header's address when `peer`
    /// is a trusted proxy, `peer` otherwise.
    pub fn believed(
        peer: std::net::SocketAddr,
        proxied: Option<ProxiedFrom>,
        trusted: &[IpAddr],
    ) -> std::net::SocketAddr {
        match proxied {
            Some(ProxiedFrom(from)) if trusted.contains(&peer.ip().to_canonical()) => from,
            _ => peer,
        }
    }
}

/// The client's address, for the audit trail and the login limits: the TCP peer, or — when the
/// peer is in `api.trusted_proxies` — the address its PROXY header gave, then the nearest
/// `X-Forwarded-For` entry that is not itself a trusted proxy. Each proxy appends the address it
/// saw, so entries left of the first untrusted one are the client's own words and are never
/// believed.
pub struct Source(pub Option<String>);

impl FromRequestParts<AppState> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let trusted = &state.config.trusted_proxies;
        let proxied = parts.extensions.get::<ProxiedFrom>().copied();
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| {
                ProxiedFrom::believed(c.0, proxied, trusted)
                    .ip()
                    .to_canonical()
            });
        // Every line, in order: some proxies add a line of their own rather than extend one.
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let forwarded = forwarded.join(",");
        let client = client_ip(peer, &forwarded, trusted);
        Ok(Source(client.map(|ip| ip.to_string())))
    }
}

fn client_ip(peer: Option<IpAddr>, forwarded: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    let mut client = peer?;
    for entry in forwarded.rsplit(',') {
        if !trusted.contains(&client) {
            break;
        }
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip.to_canonical(),
            Err(_) => break,
        }
    }
    Some(client)
}

/// The TCP peer's address only (logged next to `Source` when they differ).
pub struct PeerAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}
