//! Configuration: built-in defaults → TOML file → `SWITCHBOARD_*` environment → flags.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;
use switchboard_core::inventory::{ClusterSpec, DomainSpec, FlavorSpec, MemberSpec, ProjectSpec};
use switchboard_core::{Inventory, InventoryView, ResourceSpec};
use switchboard_drivers::SimConfig;
use switchboard_engine::EngineConfig;

/// The built-in demo, which is also the commented example configuration.
pub const DEMO: &str = include_str!("../../../../switchboard.example.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub public_url: Option<String>,
    pub log: String,
    /// `text` (default) or `json`.
    pub log_format: LogFormat,
    pub admin: AdminConfig,
    pub auth: AuthConfig,
    pub api: ApiSection,
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub engine: EngineConfig,
    pub events: EventsConfig,
    pub metrics: MetricsConfig,
    pub console: ConsoleConfig,
    pub requests: RequestsConfig,
    pub sim: SimConfig,
    pub domains: Vec<DomainSpec>,
    pub projects: Vec<ProjectSpec>,
    pub clusters: Vec<ClusterSpec>,
    pub dbom_instances: Vec<MemberSpec>,
    pub flows: Vec<MemberSpec>,
    pub servers: Vec<MemberSpec>,
    /// Flavors servers name (`attrs.flavor`, by id or name); undeclared ones are derived.
    pub flavors: Vec<FlavorSpec>,
    pub users: Vec<UserConfig>,
    pub policies: Vec<PolicyConfig>,
    pub ids: IdsConfig,
    /// A snapshot file applied once at start, before serving (`serve --snapshot`).
    #[serde(skip)]
    pub snapshot: Option<PathBuf>,
    /// The inventory's resources as [`Config::load`] checked and flattened them, so that
    /// `serve` does not flatten them again (taken by the start, then dropped).
    #[serde(skip)]
    pub resources: Option<Vec<ResourceSpec>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./switchboard-data"),
            public_url: None,
            log: "info".into(),
            log_format: LogFormat::Text,
            admin: AdminConfig::default(),
            auth: AuthConfig::default(),
            api: ApiSection::default(),
            server: ServerConfig::default(),
            store: StoreConfig::default(),
            engine: EngineConfig::default(),
            events: EventsConfig::default(),
            metrics: MetricsConfig::default(),
            console: ConsoleConfig::default(),
            requests: RequestsConfig::default(),
            sim: SimConfig::default(),
            domains: Vec::new(),
            projects: Vec::new(),
            clusters: Vec::new(),
            dbom_instances: Vec::new(),
            flows: Vec::new(),
            servers: Vec::new(),
            flavors: Vec::new(),
            users: Vec::new(),
            policies: Vec::new(),
            snapshot: None,
            ids: IdsConfig::default(),
            resources: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSection {
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Success status of Nova server actions: 204 (BMS documentation) or 202 (upstream Nova).
    pub nova_action_status: u16,
    /// How long a Live flow start/stop waits for the flow to settle before answering.
    #[serde(with = "humantime_serde")]
    pub live_wait: Duration,
    /// Peers whose `X-Forwarded-For` names the client in the audit trail; from anyone else the
    /// TCP peer is the source.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest snapshot `PUT /switchboard/v1/state/snapshot` accepts.
    pub snapshot_max_bytes: usize,
}

impl Default for ApiSection {
    fn default() -> Self {
        ApiSection {
            snapshot_max_bytes: 64 << 20,
            max_body_bytes: 1 << 20,
            nova_action_status: 204,
            live_wait: Duration::from_secs(10),
            trusted_proxies: Vec::new(),
        }
    }
}

/// `[ids]`: deterministic ids of things created at run time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdsConfig {
    /// Derive created flows', requests' and fault rules' ids from this seed (random when unset).
    pub seed: Option<u64>,
}

/// Values given on the command line; `None` leaves the layers below in force.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub sim_speed: Option<f64>,
    pub public_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub metrics_listen: Option<SocketAddr>,
    pub snapshot: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        toml::from_str(text).with_context(|| format!("invalid configuration in {origin}"))
    }

    /// The file (or the built-in demo), then the environment, then the flags.
    pub fn load(file: Option<&Path>, flags: &Overrides) -> Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Config::parse(&text, &path.display().to_string())?
            }
            None => {
                let mut demo = Config::parse(DEMO, "the built-in demo")?;
                // The demo is for trying clients out: it shows what they sent.
                demo.requests.log = requests::DEMO_LOG;
                demo
            }
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        config.apply_flags(flags);
        config.resources = Some(config.checked()?);
        Ok(config)
    }

    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = var("SWITCHBOARD_LISTEN") {
            self.listen = v
                .parse()
                .with_context(|| format!("SWITCHBOARD_LISTEN={v:?} is not an address"))?;
        }
        if let Some(v) = var("SWITCHBOARD_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("SWITCHBOARD_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = var("SWITCHBOARD_SIM_SPEED") {
            self.sim.speed = v
                .parse()
                .with_context(|| format!("SWITCHBOARD_SIM_SPEED={v:?} is not a number"))?;
        }
        if let Some(v) = var("SWITCHBOARD_TOKEN_TTL") {
            self.auth.token_ttl = humantime::parse_duration(&v)
                .with_context(|| format!("SWITCHBOARD_TOKEN_TTL={v:?}"))?;
        }
        if let Some(v) = var("SWITCHBOARD_LOG") {
            self.log = v;
        }
        if let Some(v) = var("SWITCHBOARD_LOG_FORMAT") {
            self.log_format = v
                .parse()
                .map_err(|e| anyhow::anyhow!("SWITCHBOARD_LOG_FORMAT: {e}"))?;
        }
        if let Some(v) = var("SWITCHBOARD_METRICS_LISTEN") {
            self.metrics.listen =
                Some(v.parse().with_context(|| {
                    format!("SWITCHBOARD_METRICS_LISTEN={v:?} is not an address")
                })?);
        }
        if let Some(v) = var("SWITCHBOARD_REQUEST_LOG") {
            self.requests.log = v
                .parse()
                .with_context(|| format!("SWITCHBOARD_REQUEST_LOG={v:?} is not a number"))?;
        }
        if let Some(v) = var("SWITCHBOARD_ID_SEED") {
            self.ids.seed = Some(
                v.parse()
                    .with_context(|| format!("SWITCHBOARD_ID_SEED={v:?} is not an integer"))?,
            );
        }
        self.store.apply_env(&var)?;
        Ok(())
    }

    pub fn apply_flags(&mut self, flags: &Overrides) {
        if let Some(v) = flags.listen {
            self.listen = v;
        }
        if let Some(v) = &flags.data_dir {
            self.data_dir = v.clone();
        }
        if let Some(v) = flags.sim_speed {
            self.sim.speed = v;
        }
        if let Some(v) = &flags.public_url {
            self.public_url = Some(v.clone());
        }
        if let Some(v) = flags.log_format {
            self.log_format = v;
        }
        if let Some(v) = flags.metrics_listen {
            self.metrics.listen = Some(v);
        }
        if let Some(v) = &flags.snapshot {
            self.snapshot = Some(v.clone());
        }
        if let Some(v) = &flags.database_url {
            self.store.database_url = Some(v.clone());
        }
    }

    pub fn validate(&self) -> Result<()> {
        self.checked().map(drop)
    }

    /// Validates, and returns the inventory's resources flattened (once, without copying the
    /// inventory).
    pub fn checked(&self) -> Result<Vec<ResourceSpec>> {
        if !(self.sim.speed > 0.0 && self.sim.speed.is_finite()) {
            bail!(
                "sim speed must be a positive number, not {}",
                self.sim.speed
            );
        }
        for f in &self.sim.faults {
            f.validate().map_err(anyhow::Error::msg)?;
        }
        self.store.check()?;
        let resources = self.view().resources().context("invalid inventory")?;
        self.auth.validate()?;
        self.events.validate()?;
        self.requests.validate()?;
        if !matches!(self.api.nova_action_status, 202 | 204) {
            bail!(
                "api.nova_action_status must be 202 or 204, not {}",
                self.api.nova_action_status
            );
        }
        let projects: Vec<(String, String)> = self
            .projects
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        identity::validate(&self.users, &self.policies, &projects)?;
        self.metrics.validate(self.listen)?;
        if self.server.max_connections == Some(0) {
            bail!("server.max_connections must be at least 1");
        }
        if !self.domains.iter().any(|d| d.name == self.admin.domain) {
            bail!(
                "admin domain {} is not declared in [[domains]]",
                self.admin.domain
            );
        }
        Ok(resources)
    }

    /// The inventory, borrowed.
    pub fn view(&self) -> InventoryView<'_> {
        InventoryView {
            domains: &self.domains,
            projects: &self.projects,
            clusters: &self.clusters,
            dbom_instances: &self.dbom_instances,
            flows: &self.flows,
            servers: &self.servers,
            flavors: &self.flavors,
        }
    }

    /// Drops the declared resources once the store holds them (the engine keeps its own):
    /// a server does not keep a second copy of a fleet's inventory for its lifetime.
    pub fn forget_resources(&mut self) {
        self.resources = None;
        self.dbom_instances = Vec::new();
        self.flows = Vec::new();
        self.servers = Vec::new();
        for c in &mut self.clusters {
            c.services = Vec::new();
        }
    }

    /// The inventory, copied.
    pub fn inventory(&self) -> Inventory {
        Inventory {
            domains: self.domains.clone(),
            projects: self.projects.clone(),
            clusters: self.clusters.clone(),
            dbom_instances: self.dbom_instances.clone(),
            flows: self.flows.clone(),
            servers: self.servers.clone(),
            flavors: self.flavors.clone(),
        }
    }
}

mod access;
mod console;
mod events;
mod identity;
mod logging;
mod metrics;
mod requests;
mod server;
mod store;

pub use access::{AdminConfig, AuthConfig};
pub use console::ConsoleConfig;
pub use events::EventsConfig;
pub use identity::{PolicyConfig, UserConfig};
pub use logging::LogFormat;
pub use metrics::MetricsConfig;
pub use requests::RequestsConfig;
pub use server::{derived_cap, ServerConfig};
pub use store::{Standbys, StoreConfig};

#[cfg(test)]
mod tests;
