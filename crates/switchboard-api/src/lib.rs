//! The HTTP API: one router (`routes.rs`), one module per API family, each owning its DTOs and
//! its error envelope. Handlers are thin: extract, authorize, call the engine, map to the DTO.

mod admin_scope;
mod aksk;
mod auth;
mod bms;
mod body;
mod console;
mod dbss;
mod family;
pub mod faults;
pub mod flavor;
mod gateway;
mod iam;
pub mod ids;
mod image;
mod live;
mod login;
mod lookup;
pub mod metrics;
mod mrs;
mod native;
mod nova;
mod openapi;
mod prefix;
mod ratelimit;
mod request_id;
pub mod requests;
mod routes;
pub mod shared;
pub mod snapshot;
mod time;
pub mod transitions;

pub use auth::{AuthService, ProxiedFrom};

/// Switchboard's version, as `/health` and `/ready` report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub use login::Logins;
pub use native::EventStreams;
pub use routes::router;

use std::sync::Arc;
use std::time::Duration;
use switchboard_engine::Engine;
use switchboard_identity::Hasher;
use switchboard_store::Store;

/// An MRS cluster as the API presents it.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    pub id: i64,
    pub project_id: String,
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The URL clients reach this server at (for the service catalog); taken from the request's
    /// `Host` when unset.
    pub public_url: Option<String>,
    pub token_ttl: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// 204 (BMS documentation) or 202 (upstream Nova) for successful server actions.
    pub nova_action_status: u16,
    /// How long a Live flow start/stop waits for the flow to settle before answering.
    pub live_wait: Duration,
    /// Password attempts (`POST /v3/auth/tokens`, MRS `user_password`) one client address may
    /// make at once, and how many more per second after that.
    pub token_burst: u32,
    pub token_per_second: f64,
    /// The same for one account, from any address.
    pub account_burst: u32,
    pub account_per_second: f64,
    /// Peers trusted to name the client in `X-Forwarded-For` (for the audit trail).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest snapshot `PUT /switchboard/v1/state/snapshot` accepts (`[snapshot] max_bytes`).
    pub snapshot_max_bytes: usize,
    /// Serve the web console under `/console/` (and send browsers asking `/` there).
    pub console: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            public_url: None,
            token_ttl: Duration::from_secs(24 * 3600),
            max_body_bytes: 1 << 20,
            nova_action_status: 204,
            live_wait: Duration::from_secs(10),
            token_burst: 100,
            token_per_second: 10.0,
            account_burst: 100,
            account_per_second: 2.0,
            trusted_proxies: Vec::new(),
            console: true,
            snapshot_max_bytes: 64 << 20,
        }
    }
}

/// What every handler shares, behind one `Arc`: each middleware layer clones the state per
/// request, so a clone must cost one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

/// The server's shared parts (see [`AppState`]).
pub struct Shared {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub auth: Arc<AuthService>,
    pub config: Arc<ApiConfig>,
    pub clusters: Arc<Vec<ClusterInfo>>,
    /// The inventory's declared flavors (see [`flavor`] for the derived ones).
    pub flavors: Arc<Vec<switchboard_core::inventory::FlavorSpec>>,
    /// Password checks: limits per address and per account, and the Argon2 pool.
    pub logins: Arc<login::Logins>,
    /// The fault rules in force (shared with the simulated driver).
    pub faults: Arc<switchboard_core::faults::FaultBook>,
    /// The last requests answered (`GET /switchboard/v1/requests`); capacity 0 when off.
    pub requests: Arc<requests::RequestLog>,
    /// The transitions set at run time and the simulated clock (shared with the simulated driver).
    pub transitions: Arc<switchboard_core::transitions::TransitionBook>,
    /// The event streams' shared limits and shutdown signal.
    pub events: Arc<EventStreams>,
    /// `GET /metrics` on this router renders this; `None` when metrics are off or served on a
    /// listener of their own.
    pub metrics: Option<metrics::Exposition>,
    /// Ids of things created at run time (seeded under `[ids] seed`).
    pub ids: Arc<ids::Ids>,
}

impl AppState {
    /// The limits of password checks from the configuration, in front of `hasher`.
    pub fn logins(config: &ApiConfig, hasher: Hasher) -> Arc<login::Logins> {
        Arc::new(login::Logins::new(config, hasher))
    }

    /// The Argon2 pool every password check and new hash goes through.
    pub fn hasher(&self) -> &Hasher {
        self.logins.hasher()
    }
}
