//! `switchboard serve`: open the store, sync the inventory, start the engine and the HTTP API.
//! The listener answers from the start: 503 until everything is built (see `startup`).

use crate::config::Config;
use crate::http_server::{self, App, Limits, MemberSlot, PassOn};
use crate::startup::{self, Phase, Progress};
use anyhow::{Context, Result};
use std::sync::{Arc, OnceLock};
use switchboard_api::{router, AppState, AuthService};
use switchboard_core::faults::FaultBook;
use switchboard_core::transitions::TransitionBook;
use switchboard_drivers::SimDriver;
use switchboard_engine::Engine;
use switchboard_store::{SqliteStore, Store, StoreOptions};

/// Everything `serve` builds before it listens; tests and benchmarks reuse it in-process.
/// `admin_password` plays the part of `SWITCHBOARD_ADMIN_PASSWORD`.
pub async fn build(
    config: &Config,
    admin_password: Option<String>,
) -> Result<(AppState, axum::Router)> {
    build_observed(config, None, admin_password, &Progress::default()).await
}

/// [`build`], telling `progress` which phase it is in; `resources` are the inventory's,
/// flattened already by [`Config::load`] (else flattened here).
pub async fn build_observed(
    config: &Config,
    resources: Option<Vec<switchboard_core::ResourceSpec>>,
    admin_password: Option<String>,
    progress: &Progress,
) -> Result<(AppState, axum::Router)> {
    progress.set(Phase::OpeningStore);
    // Installed first, so that the start-up itself is recorded (the store's first commits).
    let exposition = config
        .metrics
        .enabled
        .then(crate::metrics::exposition)
        .flatten();
    let resources = match resources {
        Some(r) => r,
        None => config.view().resources().context("invalid inventory")?,
    };
    crate::data_dir::prepare(&config.data_dir, config.store.database_url.is_none())?;
    let options = StoreOptions {
        synchronous: config.store.synchronous,
        event_retention: config.events.retention,
        event_buffer: config.events.buffer,
    };
    let (domains, projects) = crate::assemble::tenancy(config);
    let master_key = || {
        crate::bootstrap::master_key(
            &config.data_dir,
            std::env::var("SWITCHBOARD_MASTER_KEY").ok(),
        )
    };
    // Replicas check theirs against the database's before anything else.
    let mut early_key = None;
    let mut journal = None;
    let store: Arc<dyn Store> = match &config.store.database_url {
        Some(url) => {
            let inventory = crate::replica::fingerprint(&(&domains, &projects, &resources))?;
            let key = early_key.insert(master_key()?);
            let replica = crate::replica::of(config, inventory, key, progress);
            // A standby waits here until it leads.
            let (pg, opened) = crate::replica::open(url, &options, replica, progress).await?;
            journal = Some(opened);
            Arc::new(pg)
        }
        None => Arc::new(
            SqliteStore::open_with(&config.data_dir, &options)
                .await
                .context("cannot open the database")?,
        ),
    };
    progress.set(Phase::SyncingInventory);
    store
        .sync_inventory(&domains, &projects, &resources)
        .await?;
    // The store holds them now, and the engine reads them from there.
    drop(resources);
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

    let master_key = match early_key {
        Some(key) => key,
        None => master_key()?,
    };
    crate::bootstrap::users(store.as_ref(), config, &master_key).await?;
    // Fault rules: the stored ones, then `[[sim.faults]]` (same rules, fixed ids) if absent.
    let faults = Arc::new(FaultBook::new(switchboard_identity::policy::matches));
    let configured = config.sim.faults.iter().enumerate();
    switchboard_api::faults::rules::restore(
        &faults,
        store.as_ref(),
        configured.map(|(i, f)| f.to_rule(i)).collect(),
    )
    .await
    .context("cannot restore the fault rules")?;
    switchboard_api::faults::rules::attach(&faults, store.clone());
    // Transitions and the simulated clock: what the store kept.
    let transitions = Arc::new(TransitionBook::new());
    switchboard_api::transitions::restore(&transitions, store.as_ref())
        .await
        .context("cannot restore the transitions")?;
    let sim = match journal {
        Some((journal, contents)) => {
            SimDriver::open_journal(Arc::new(journal), contents, config.sim.clone())?
        }
        None => SimDriver::open(&config.data_dir.join("sim"), config.sim.clone())?,
    };
    let sim = sim
        .with_book(faults.clone())
        .with_transitions(transitions.clone());
    // A rule the simulated world used up just before a crash, the store never heard of.
    let uses = sim.rule_uses();
    faults.retire_used(&|id| uses.get(id).copied().unwrap_or(0));
    let drivers = drivers(sim, &config.data_dir)?;
    progress.set(Phase::RecoveringTasks);
    let engine = Engine::open(store.clone(), drivers, config.engine.clone()).await?;

    let state = crate::assemble::api_state(
        config,
        crate::assemble::Parts {
            auth: Arc::new(AuthService::new(store.clone(), master_key)),
            store,
            engine,
            faults,
            transitions,
            exposition,
        },
    )?;
    // It forgets the principals it cached when another replica says so, and tells the
    // replicas beside it whether the controls are set.
    let told = Arc::new(switchboard_api::shared::Told::default());
    let noted = told.clone();
    let applier =
        switchboard_api::shared::applier(&state.auth, move |change| noted.applied(&change));
    state.store.on_shared(applier);
    switchboard_api::shared::keep_told(&state, told);
    let app = router(state.clone());
    Ok((state, app))
}

pub use crate::assemble::drivers;

/// Lock the data dir, bind, build, serve: a second server on the same data dir, or one whose
/// port is taken, stops before it has opened the database or resumed anything. While it builds,
/// the listener answers 503 (`startup`); then the full API, on the same connections.
pub async fn run(mut config: Config) -> Result<()> {
    let _lock = crate::data_dir::lock(&config.data_dir, config.store.database_url.is_none())?;
    let listener = http_server::bind(config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let metrics_listener = match config.metrics.listen.filter(|_| config.metrics.enabled) {
        Some(at) => Some(
            http_server::bind(at).with_context(|| format!("cannot listen for metrics on {at}"))?,
        ),
        None => None,
    };
    let addr = listener.local_addr()?;
    let limits = Limits::from_config(&config.server);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop_tx.send(());
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.changed().await;
        }
    };
    let progress = Progress::default();
    let full = Arc::new(OnceLock::new());
    let pass_on = PassOn {
        leader: progress.leader.clone(),
        trusted: config.api.trusted_proxies.clone().into(),
    };
    // A standby passes connections on whole, or serves beside the leader (`member`).
    let member_slot = MemberSlot::default();
    let app = App::switching(startup::router(progress.clone()), full.clone());
    let app = match crate::member::serves(&config) {
        true => app.beside(member_slot.clone()),
        false => app.passing_on(pass_on),
    };
    let server = tokio::spawn(http_server::serve(listener, app, limits.clone(), stopped()));
    if let Some(metrics_listener) = metrics_listener {
        if let Some(exposition) = crate::metrics::exposition() {
            let router = switchboard_api::metrics::router(exposition);
            let at = metrics_listener.local_addr()?;
            tracing::info!(%at, "serving metrics");
            tokio::spawn(http_server::serve(
                metrics_listener,
                router,
                limits.clone(),
                stopped(),
            ));
        }
    }
    let password = std::env::var("SWITCHBOARD_ADMIN_PASSWORD").ok();
    let resources = config.resources.take();
    let member = match crate::member::serves(&config) {
        true => Some(crate::member::join(
            &config,
            resources.as_ref(),
            &progress,
            member_slot,
        )?),
        false => None,
    };
    let built = tokio::select! {
        built = build_observed(&config, resources, password, &progress) => built?,
        () = stopped() => {
            // A member stopping leaves now, rather than when its lease runs out.
            if let Some(member) = member {
                member.end().await;
            }
            return Ok(());
        }
    };
    config.forget_resources();
    let (state, app) = built;
    if let Some(path) = &config.snapshot {
        let raw = std::fs::read(path)
            .with_context(|| format!("cannot read the snapshot {}", path.display()))?;
        let done = switchboard_api::snapshot::restore_at_start(&state, &raw)
            .await
            .map_err(|e| anyhow::anyhow!("snapshot {}: {e}", path.display()))?;
        tracing::info!(snapshot = %path.display(), %done, "started from a snapshot");
        switchboard_api::shared::controls_changed(&state, true).await;
    }
    // Event streams never end on their own: end them, or the graceful shutdown would wait.
    let streams = state.events.clone();
    let stopping = stopped();
    tokio::spawn(async move {
        stopping.await;
        streams.close();
    });
    let _ = full.set(app);
    if let Some(member) = member {
        tokio::spawn(member.end());
    }
    progress.set(Phase::Ready);
    tracing::info!(
        %addr,
        data_dir = %config.data_dir.display(),
        max_connections = limits.max_connections,
        "switchboard is serving"
    );
    println!("Switchboard listening on http://{addr}");
    announce_password(&config)?;
    // A replica whose lease another one took over stops: it may no longer act.
    let lost = state.store.lease_lost();
    match lost {
        Some(mut lost) => tokio::select! {
            served = server => served?,
            _ = lost.wait_for(|lost| *lost) => anyhow::bail!(
                "another replica took this database over (this one was paused or cut off past \
                 its lease); stopping"
            ),
        },
        None => server.await?,
    }
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
