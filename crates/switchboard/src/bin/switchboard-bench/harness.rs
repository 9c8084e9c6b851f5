//! An in-process server on a loopback port with a generated inventory.

use anyhow::Result;
use serde_json::json;
use switchboard::config::{Config, DEMO};
use switchboard_api::AppState;
use switchboard_client::{Client, Credential};
use switchboard_core::inventory::ServiceSpec;
use switchboard_core::Lifecycle;

pub const PASSWORD: &str = "Bench-Password-1";

pub struct Bench {
    pub base: String,
    pub token: String,
    /// The typed client, logged in as the admin in `local-1`.
    pub client: Client,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// A service named `s{i}` depending on `deps`, taking `step_ms` to start or stop.
pub fn service(i: usize, deps: &[usize], step_ms: u64) -> ServiceSpec {
    ServiceSpec {
        name: format!("s{i}"),
        depends_on: deps.iter().map(|d| format!("s{d}")).collect(),
        state: Lifecycle::Stopped,
        driver: "sim".into(),
        config: json!({"start": format!("{step_ms}ms"), "stop": format!("{step_ms}ms")}),
    }
}

/// The demo's identity with cluster 1 replaced by `services`, no jitter, full durability.
pub async fn start(services: Vec<ServiceSpec>) -> Result<Bench> {
    start_tuned(services, |_| {}).await
}

/// As [`start`], the configuration changed by `tune` first.
pub async fn start_tuned(
    services: Vec<ServiceSpec>,
    tune: impl FnOnce(&mut Config),
) -> Result<Bench> {
    let dir = tempfile::tempdir()?;
    let mut config = Config::parse(DEMO, "demo")?;
    tune(&mut config);
    config.data_dir = dir.path().to_path_buf();
    config.sim.jitter = 0.0;
    // `SWITCHBOARD_REQUEST_LOG=N` measures the benchmarks with the request log on.
    if let Ok(n) = std::env::var("SWITCHBOARD_REQUEST_LOG") {
        config.requests.log = n.parse()?;
    }
    config.clusters[0].services = services;
    config.validate()?;
    let (state, app) = switchboard::serve::build(&config, Some(PASSWORD.into())).await?;
    let addr = switchboard::http_server::spawn_on_loopback(app, &config.server)?;
    let base = format!("http://{addr}");
    let session = switchboard_client::login(&switchboard_client::Login {
        url: &base,
        user: "admin",
        password: PASSWORD,
        domain: "switchboard",
        project: Some("local-1"),
    })
    .await?;
    let token = session.token.clone();
    let client = Client::new(&base, Credential::Token(session.token), &session.project_id);
    Ok(Bench {
        base,
        token,
        client,
        state,
        _dir: dir,
    })
}

/// The `q`-quantile of sorted durations in microseconds, as milliseconds.
pub fn quantile_ms(sorted_us: &[u64], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let i = ((sorted_us.len() as f64 - 1.0) * q).round() as usize;
    sorted_us[i] as f64 / 1000.0
}
