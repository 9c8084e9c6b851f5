//! An in-process server on a loopback port with a generated inventory.

use anyhow::Result;
use serde_json::json;
use switchboard::config::{Config, DEMO};
use switchboard_api::AppState;
use switchboard_core::inventory::ServiceSpec;
use switchboard_core::Lifecycle;

pub const PASSWORD: &str = "Bench-Password-1";

pub struct Bench {
    pub base: String,
    pub token: String,
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
    let dir = tempfile::tempdir()?;
    let mut config = Config::parse(DEMO, "demo")?;
    config.data_dir = dir.path().to_path_buf();
    config.sim.jitter = 0.0;
    config.clusters[0].services = services;
    config.validate()?;
    let (state, app) = switchboard::serve::build(&config, Some(PASSWORD.into())).await?;
    let addr = switchboard::http_server::spawn_on_loopback(app, &config.server)?;
    let base = format!("http://{addr}");
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
        {"name": "admin", "password": PASSWORD, "domain": {"name": "switchboard"}}}},
        "scope": {"project": {"name": "local-1"}}}});
    let r = reqwest::Client::new()
        .post(format!("{base}/v3/auth/tokens"))
        .json(&body)
        .send()
        .await?;
    let token = r.headers()["x-subject-token"].to_str()?.to_string();
    Ok(Bench {
        base,
        token,
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
