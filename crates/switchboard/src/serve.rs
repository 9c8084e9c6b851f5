//! `switchboard serve`: open the store, sync the inventory, start the engine and the HTTP API.

use crate::config::Config;
use crate::http_server::{self, Limits};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_api::{router, ApiConfig, AppState, AuthService, ClusterInfo, EventStreams};
use switchboard_core::Driver;
use switchboard_drivers::{ExecDriver, ProcessDriver, RedfishDriver, SimDriver};
use switchboard_engine::Engine;
use switchboard_identity::Hasher;
use switchboard_store::{SqliteStore, Store, StoreOptions};

/// Everything `serve` builds before it listens; tests and benchmarks reuse it in-process.
/// `admin_password` plays the part of `SWITCHBOARD_ADMIN_PASSWORD`.
pub async fn build(
    config: &Config,
    admin_password: Option<String>,
) -> Result<(AppState, axum::Router)> {
    let inventory = config.inventory();
    let resources = inventory.resources().context("invalid inventory")?;
    crate::data_dir::prepare(&config.data_dir)?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open_with(
            &config.data_dir,
            &StoreOptions {
                synchronous: config.store.synchronous,
                event_retention: config.events.retention,
                event_buffer: config.events.buffer,
            },
        )
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
        &config.data_dir,
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
        trusted_proxies: config.api.trusted_proxies.clone(),
    });
    let hasher = Hasher::new(config.auth.hash_workers, config.auth.hash_queue)?;
    let state = AppState {
        engine,
        auth: Arc::new(AuthService::new(store.clone(), master_key)),
        store,
        config: api_config.clone(),
        clusters: Arc::new(clusters),
        flavors: Arc::new(inventory.flavors().context("invalid inventory")?),
        logins: AppState::logins(&api_config, hasher),
        events: Arc::new(EventStreams::new(
            config.events.max_subscribers,
            config.events.keep_alive,
        )),
    };
    let app = router(state.clone());
    Ok((state, app))
}

/// Lock the data dir, bind, build, serve: a second server on the same data dir, or one whose
/// port is taken, stops before it has opened the database or resumed anything.
pub async fn run(config: Config) -> Result<()> {
    let _lock = crate::data_dir::lock(&config.data_dir)?;
    let listener = http_server::bind(config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let (state, app) = build(&config, std::env::var("SWITCHBOARD_ADMIN_PASSWORD").ok()).await?;
    let addr = listener.local_addr()?;
    let limits = Limits::from_config(&config.server);
    tracing::info!(
        %addr,
        data_dir = %config.data_dir.display(),
        max_connections = limits.max_connections,
        "switchboard is serving"
    );
    println!("Switchboard listening on http://{addr}");
    announce_password(&config)?;
    // Event streams never end on their own: end them, or the graceful shutdown would wait.
    let stopping = async move {
        shutdown().await;
        state.events.close();
    };
    http_server::serve(listener, app, limits, stopping).await;
    Ok(())
}

/// Prints a generated admin password once the server is up, then forgets it.
fn announce_password(config: &Config) -> Result<()> {
    let Some(password) = crate::data_dir::kept_password(&config.data_dir) else {
        return Ok(());
    };
    // On the terminal only, never in the log.
    println!(
        "Generated password for {}@{}: {password}",
        config.admin.user, config.admin.domain
    );
    println!("(set SWITCHBOARD_ADMIN_PASSWORD to choose it; it will not be shown again)");
    crate::data_dir::forget_password(&config.data_dir)
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
