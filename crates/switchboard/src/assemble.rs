//! The parts every replica builds the same way, leading (`serve`) or serving beside the leader
//! (`member`): the inventory's domains and projects, the drivers, and the API's state.

use crate::config::Config;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_api::metrics::Exposition;
use switchboard_api::{ApiConfig, AppState, AuthService, ClusterInfo, EventStreams, Shared};
use switchboard_core::faults::FaultBook;
use switchboard_core::transitions::TransitionBook;
use switchboard_core::Driver;
use switchboard_drivers::{ExecDriver, ProcessDriver, RedfishDriver, SimDriver};
use switchboard_engine::Engine;
use switchboard_identity::Hasher;
use switchboard_store::Store;

/// Domains as (id, name), and projects as (id, name, domain id).
pub type Tenancy = (Vec<(String, String)>, Vec<(String, String, String)>);

/// The inventory's domains and projects, as the store keeps them.
pub fn tenancy(config: &Config) -> Tenancy {
    let domains = config
        .domains
        .iter()
        .map(|d| (d.id.clone(), d.name.clone()))
        .collect();
    let projects = config
        .projects
        .iter()
        .map(|p| {
            let domain = config
                .domains
                .iter()
                .find(|d| d.name == p.domain)
                .map(|d| d.id.clone())
                .unwrap_or_default();
            (p.id.clone(), p.name.clone(), domain)
        })
        .collect();
    (domains, projects)
}

/// The drivers by the names an inventory gives them: `sim` as given, the others on `data_dir`.
pub fn drivers(
    sim: SimDriver,
    data_dir: &std::path::Path,
) -> Result<HashMap<String, Arc<dyn Driver>>> {
    Ok(HashMap::from([
        ("sim".to_string(), Arc::new(sim) as Arc<dyn Driver>),
        ("exec".to_string(), Arc::new(ExecDriver) as Arc<dyn Driver>),
        (
            "redfish".to_string(),
            Arc::new(RedfishDriver::default()) as Arc<dyn Driver>,
        ),
        (
            "process".to_string(),
            Arc::new(ProcessDriver::open(&data_dir.join("process"))?) as Arc<dyn Driver>,
        ),
    ]))
}

/// What the API's state is made of beside the configuration.
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub auth: Arc<AuthService>,
    pub faults: Arc<FaultBook>,
    pub transitions: Arc<TransitionBook>,
    /// The metrics exposition, when the recorder is installed.
    pub exposition: Option<Exposition>,
}

/// The configuration the API reads.
pub fn api_config(config: &Config) -> Arc<ApiConfig> {
    Arc::new(ApiConfig {
        public_url: config.public_url.clone(),
        token_ttl: config.auth.token_ttl,
        max_body_bytes: config.api.max_body_bytes,
        nova_action_status: config.api.nova_action_status,
        live_wait: config.api.live_wait,
        token_burst: config.auth.token_burst,
        token_per_second: config.auth.token_per_second,
        account_burst: config.auth.account_burst,
        account_per_second: config.auth.account_per_second,
        trusted_proxies: config.api.trusted_proxies.clone(),
        console: config.console.enabled,
        snapshot_max_bytes: config.api.snapshot_max_bytes,
    })
}

/// The API's state: `parts`, and what the configuration gives.
pub fn api_state(config: &Config, parts: Parts) -> Result<AppState> {
    let clusters = config
        .clusters
        .iter()
        .map(|c| ClusterInfo {
            id: c.id,
            project_id: config
                .projects
                .iter()
                .find(|p| p.name == c.project || p.id == c.project)
                .map(|p| p.id.clone())
                .unwrap_or_default(),
            name: c.name.clone(),
            version: c.version.clone(),
        })
        .collect();
    let api_config = api_config(config);
    let hasher = Hasher::new(config.auth.hash_workers, config.auth.hash_queue)?;
    Ok(AppState::from(Shared {
        engine: parts.engine,
        auth: parts.auth,
        store: parts.store,
        config: api_config.clone(),
        clusters: Arc::new(clusters),
        flavors: Arc::new(config.view().flavors().context("invalid inventory")?),
        logins: AppState::logins(&api_config, hasher),
        faults: parts.faults,
        requests: Arc::new(switchboard_api::requests::RequestLog::new(
            config.requests.log,
            config.requests.body_bytes,
        )),
        transitions: parts.transitions,
        events: Arc::new(EventStreams::new(
            config.events.max_subscribers,
            config.events.keep_alive,
        )),
        metrics: parts.exposition.filter(|_| config.metrics.listen.is_none()),
        ids: Arc::new(switchboard_api::ids::Ids::new(config.ids.seed)),
    }))
}
