//! The HTTP API: one router (`routes.rs`), one module per API family, each owning its DTOs and
//! its error envelope. Handlers are thin: extract, authorize, call the engine, map to the DTO.

mod aksk;
mod auth;
mod bms;
mod body;
mod dbss;
mod family;
mod gateway;
mod iam;
mod live;
mod lookup;
mod mrs;
mod native;
mod nova;
mod ratelimit;
mod request_id;
mod routes;
mod time;

pub use auth::AuthService;
pub use routes::router;

use std::sync::Arc;
use std::time::Duration;
use switchboard_engine::Engine;
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
    /// Token requests a client may make at once, and how many more per second after that.
    pub token_burst: u32,
    pub token_per_second: f64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            public_url: None,
            token_ttl: Duration::from_secs(24 * 3600),
            max_body_bytes: 1 << 20,
            nova_action_status: 204,
            live_wait: Duration::from_secs(10),
            token_burst: 20,
            token_per_second: 5.0,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub auth: Arc<AuthService>,
    pub config: Arc<ApiConfig>,
    pub clusters: Arc<Vec<ClusterInfo>>,
    /// Limits `POST /v3/auth/tokens` per client address.
    pub token_limiter: Arc<ratelimit::RateLimiter>,
}

impl AppState {
    /// The limiter `POST /v3/auth/tokens` uses, from the configuration.
    pub fn token_limiter(config: &ApiConfig) -> Arc<ratelimit::RateLimiter> {
        Arc::new(ratelimit::RateLimiter::new(
            config.token_burst,
            config.token_per_second,
        ))
    }
}
