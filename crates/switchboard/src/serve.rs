//! `switchboard serve`: open the store, sync the inventory, start the engine and the HTTP API.

use crate::config::Config;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_api::{router, ApiConfig, AppState, AuthService, ClusterInfo};
use switchboard_core::Driver;
use switchboard_drivers::{ExecDriver, ProcessDriver, RedfishDriver, SimDriver};
use switchboard_engine::Engine;
use switchboard_identity::Hasher;
use switchboard_store::{SqliteStore, Store};

/// Everything `serve` builds before it listens; tests and benchmarks reuse it in-process.
/// `admin_password` plays the part of `SWITCHBOARD_ADMIN_PASSWORD`.
pub async fn build(
    config: &Config,
    admin_password: Option<String>,
) -> Result<(AppState, axum::Router)> {
    let inventory = config.inventory();
    let resources = inventory.resources().context("invalid inventory")?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&config.data_dir, config.store.synchronous)
            .await
            .context("cannot open the database")?,
    );
    let domains: Vec<(String, String)> = config
        .domains
        .iter()
        .map(|d| (d.id.clone(), d.name.clone()))
        .collect();
    let projects: Vec<(String, String, String)> = config
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
    store
        .sync_inventory(&domains, &projects, &resources)
        .await?;
    let project_ids: Vec<String> = config.projects.iter().map(|p| p.id.clone()).collect();
    crate::bootstrap::admin(
        store.as_ref(),
        &config.admin.user,
        &config.admin.domain,
        &project_ids,
        admin_password,
    )
    .await?;

    let master_key = crate::bootstrap::master_key(
        &config.data_dir,
        std::env::var("SWITCHBOARD_MASTER_KEY").ok(),
    )?;
    crate::bootstrap::users(store.as_ref(), config, &master_key).await?;
    let sim = SimDriver::open(&config.data_dir.join("sim"), config.sim.clone())?;
    let drivers: HashMap<String, Arc<dyn Driver>> = HashMap::from([
        ("sim".to_string(), Arc::new(sim) as Arc<dyn Driver>),
        ("exec".to_string(), Arc::new(ExecDriver) as Arc<dyn Driver>),
        (
            "redfish".to_string(),
            Arc::new(RedfishDriver::default()) as Arc<dyn Driver>,
        ),
        (
            "process".to_string(),
            Arc::new(ProcessDriver::open(&config.data_dir.join("process"))?) as Arc<dyn Driver>,
        ),
    ]);
    let engine = Engine::open(store.clone(), drivers, config.engine.clone()).await?;

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
    let api_config = Arc::new(ApiConfig {
        public_url: config.public_url.clone(),
        token_ttl: config.auth.token_ttl,
        max_body_bytes: config.api.max_body_bytes,
        nova_action_status: config.api.nova_action_status,
        live_wait: config.api.live_wait,
        token_burst: config.auth.token_burst,
        token_per_second: config.auth.token_per_second,
        account_burst: config.auth.account_burst,
        account_per_second: config.auth.account_per_second,
    });
    let hasher = Hasher::new(config.auth.hash_workers, config.auth.hash_queue)?;
    let state = AppState {
        engine,
        auth: Arc::new(AuthService::new(store.clone(), master_key)),
        store,
        config: api_config.clone(),
        clusters: Arc::new(clusters),
        logins: AppState::logins(&api_config, hasher),
    };
    let app = router(state.clone());
    Ok((state, app))
}

pub async fn run(config: Config) -> Result<()> {
    let (_state, app) = build(&config, std::env::var("SWITCHBOARD_ADMIN_PASSWORD").ok()).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "switchboard is serving");
    println!("Switchboard listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
