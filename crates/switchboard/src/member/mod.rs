//! A replica serving beside the leader (`[store] standbys = "serve"`). While another replica
//! leads, this one opens the database as a writer of its own (`PgStore::open_member`) and
//! serves the API itself: its engine accepts operations and runs those on resources every
//! replica reaches (`exec`, `redfish`), leaving the rest (the simulated world's) to the leader,
//! and its world follows the other writers'. It passes on to the leader, request by request,
//! only what the leader alone keeps (`forward`).
//!
//! - It forgets the principals it cached, and learns whether the leader has controls set,
//!   from the changes replicas announce (`switchboard_api::shared`); after a reset or a
//!   restore it joins again as a new writer, which reads its world anew, passing every request
//!   on meanwhile.
//! - It serves only while its lease surely holds (as every replica: the API's routes check);
//!   fenced off (paused or cut off past its lease), it joins again as a new writer.
//! - Once it takes the lease over, `serve` builds the leading state and the member leaves
//!   ([`Member::end`]): its row goes once its writes in flight have committed.

mod forward;

pub use forward::{describe, Forward};

use crate::assemble::{self, Parts};
use crate::config::Config;
use crate::http_server::MemberSlot;
use crate::startup::Progress;
use anyhow::{Context, Result};
use axum::Router;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_api::{AppState, AuthService};
use switchboard_core::faults::FaultBook;
use switchboard_core::transitions::TransitionBook;
use switchboard_core::ResourceSpec;
use switchboard_drivers::sim::SimConfig;
use switchboard_drivers::SimDriver;
use switchboard_engine::Engine;
use switchboard_identity::secrets::MasterKey;
use switchboard_store::{CommitStore, PgStore, Replica, SharedChange, Store, StoreOptions};
use tokio::sync::watch;

/// How long in-flight requests of the member may go on writing once this replica leads.
const LEAVING_GRACE: Duration = Duration::from_millis(500);
/// How long the member's tasks get to end the steps under way before it leaves; the rest are
/// stopped with it, and resumed (re-observed first) where they are claimed next.
const HAND_OVER_WITHIN: Duration = Duration::from_secs(10);

/// What a member needs to join: its configuration (inventory left out), the database, and this
/// replica as the leader knows it (with its inventory's and key's fingerprints).
struct Joining {
    config: Config,
    url: String,
    replica: Replica,
    master_key: MasterKey,
    forward: Forward,
    slot: MemberSlot,
}

/// Joins beside the leader, once it is known, as the replica `config` describes, whose
/// inventory is `resources` (else `config`'s); serves through `slot`.
pub fn join(
    config: &Config,
    resources: Option<&Vec<ResourceSpec>>,
    progress: &Progress,
    slot: MemberSlot,
) -> Result<Member> {
    let url = config
        .store
        .database_url
        .clone()
        .context("no database URL")?;
    let (domains, projects) = assemble::tenancy(config);
    let inventory = match resources {
        Some(r) => crate::replica::fingerprint(&(&domains, &projects, r))?,
        None => {
            let r = config.view().resources().context("invalid inventory")?;
            crate::replica::fingerprint(&(&domains, &projects, &r))?
        }
    };
    let env_key = std::env::var("SWITCHBOARD_MASTER_KEY").ok();
    let master_key = crate::bootstrap::master_key(&config.data_dir, env_key)?;
    let replica = crate::replica::of(config, inventory, &master_key, progress);
    let mut config = config.clone();
    config.forget_resources();
    let forward = Forward {
        leader: progress.leader.clone(),
        controls: Arc::default(),
        reloading: Arc::default(),
        seeded: config.ids.seed.is_some(),
        trusted: config.api.trusted_proxies.clone().into(),
        client: Forward::client()?,
    };
    Ok(Member::spawn(Joining {
        config,
        url,
        replica,
        master_key,
        forward,
        slot,
    }))
}

/// The member, serving until [`Member::end`].
pub struct Member {
    task: tokio::task::JoinHandle<()>,
    serving: Arc<Mutex<Option<Serving>>>,
}

/// What serves now: the store (to leave) and the API's state (to close its event streams).
struct Serving {
    pg: Arc<PgStore>,
    state: AppState,
}

impl Member {
    fn spawn(joining: Joining) -> Member {
        let serving = Arc::new(Mutex::new(None));
        let task = tokio::spawn(run(joining, serving.clone()));
        Member { task, serving }
    }

    /// This replica leads now, or stops: the member stops serving, hands the tasks it runs
    /// over at their next step's boundary, and leaves (the leader, or another replica, claims
    /// them).
    pub async fn end(self) {
        self.task.abort();
        let serving = self
            .serving
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(serving) = serving {
            let pg = serving.leave(LEAVING_GRACE).await;
            // Gone once its row is (the process may be about to exit).
            if let Some(mut left) = pg.lease_lost() {
                let gone = left.wait_for(|l| *l);
                let _ = tokio::time::timeout(Duration::from_secs(2), gone).await;
            }
        }
    }
}

async fn run(joining: Joining, serving: Arc<Mutex<Option<Serving>>>) {
    let mut leader = joining.forward.leader.subscribe();
    if leader.wait_for(Option::is_some).await.is_err() {
        return;
    }
    let retry = joining.replica.lease;
    loop {
        match serve(&joining, &serving).await {
            // The router it served goes on passing every request on until the next one serves.
            Ok(Ended::Reloaded) => {
                tracing::info!(
                    "the world was reset or restored: reading it again, as a new writer"
                );
                continue;
            }
            Ok(Ended::Fenced) => tracing::warn!("fenced off beside the leader; joining again"),
            Err(err) => {
                tracing::warn!(err = format!("{err:#}"), "cannot serve beside the leader");
                tokio::time::sleep(retry).await;
            }
        }
        set_router(&joining.slot, None);
        let left = serving.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(left) = left {
            left.state.events.close();
        }
    }
}

/// Why a member stopped serving.
enum Ended {
    /// It was fenced off (paused or cut off past its lease).
    Fenced,
    /// The world was reset or restored: it joins again as a new writer, whose engine reads the
    /// world anew; the old one serves (passing every request on) until then, and then leaves
    /// ([`retire`]): no two engines run tasks on one writer.
    Reloaded,
}

/// Joins as a writer and serves until fenced off, or until the world was reset or restored.
async fn serve(joining: &Joining, serving: &Mutex<Option<Serving>>) -> Result<Ended> {
    let options = StoreOptions {
        synchronous: joining.config.store.synchronous,
        event_retention: joining.config.events.retention,
        event_buffer: joining.config.events.buffer,
    };
    let pg = PgStore::open_member(&joining.url, &options, &joining.replica)
        .await
        .context("cannot join the database beside the leader")?;
    let pg = Arc::new(pg);
    // Until it serves, stopping here (an error; this replica leads now and the member ends)
    // leaves at once: no writer stays behind that no one serves with.
    let mut joined = Joined(Some(pg.clone()));
    let store: Arc<dyn Store> = pg.clone();
    let auth = Arc::new(AuthService::new(store.clone(), joining.master_key.clone()));
    let (reloads, mut reloaded) = watch::channel(None);
    let forward = joining.forward.clone();
    let (controls, reloading) = (forward.controls.clone(), forward.reloading.clone());
    store.on_shared(switchboard_api::shared::applier(
        &auth,
        move |change: SharedChange| {
            controls.store(change.controls, Ordering::SeqCst);
            reloads.send_if_modified(|seen| match *seen {
                Some(r) if change.reloads <= r => false,
                Some(_) | None => {
                    // The first look is where this world starts from, not a reload.
                    if seen.is_some() {
                        reloading.store(true, Ordering::SeqCst);
                    }
                    *seen = Some(change.reloads);
                    true
                }
            });
        },
    ));
    // The world is read after the first look, so no reset in between goes unseen.
    reloaded.wait_for(Option::is_some).await?;
    let mut lost = store.lease_lost().context("a member has a lease")?;
    let state = api_state(&joining.config, &pg, auth.clone(), &forward.controls).await?;
    let router = switchboard_api::router(state.clone()).layer(
        axum::middleware::from_fn_with_state(forward.clone(), forward::layer),
    );
    set_router(&joining.slot, Some(router));
    forward.reloading.store(false, Ordering::SeqCst);
    let before = serving
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(Serving {
            pg: pg.clone(),
            state,
        });
    joined.0 = None;
    if let Some(before) = before {
        retire(before);
    }
    tracing::info!(token = pg.token(), "serving beside the leader");
    tokio::select! {
        changed = reloaded.changed() => changed?,
        _ = lost.wait_for(|l| *l) => return Ok(Ended::Fenced),
    }
    Ok(Ended::Reloaded)
}

/// A writer joined and not yet serving: it leaves when dropped.
struct Joined(Option<Arc<PgStore>>);

impl Drop for Joined {
    fn drop(&mut self) {
        if let Some(pg) = self.0.take() {
            pg.leave();
        }
    }
}

impl Serving {
    /// Stops serving: its event streams end, its requests in flight get `grace`, its tasks are
    /// handed over, and it leaves (its row goes once its writes in flight have committed).
    async fn leave(self, grace: Duration) -> Arc<PgStore> {
        self.state.events.close();
        tokio::time::sleep(grace).await;
        self.state.engine.hand_over(HAND_OVER_WITHIN).await;
        self.pg.leave();
        self.pg
    }
}

/// A member a newer one replaced leaves in the background: the newer one serves meanwhile.
fn retire(before: Serving) {
    tokio::spawn(before.leave(Duration::ZERO));
}

/// The member's API state: an engine beside the leader's, over the simulated world the replicas
/// share (the database's journal; the leader compacts it) and the drivers of a directory of its
/// own (those of worlds one replica keeps never act here: the leader runs their tasks), and
/// empty controls (the leader keeps them: while any is set, every request goes there, and so do
/// the simulated world's tasks).
async fn api_state(
    config: &Config,
    pg: &Arc<PgStore>,
    auth: Arc<AuthService>,
    controls: &Arc<AtomicBool>,
) -> Result<AppState> {
    let dir = config.data_dir.join("member");
    // What an earlier member left: its drivers' files are never read again.
    let _ = std::fs::remove_dir_all(&dir);
    let (journal, contents) = pg
        .sim_journal()
        .await
        .context("cannot open the simulated world's journal")?;
    let sim_config = SimConfig {
        compact_log_bytes: u64::MAX,
        ..config.sim.clone()
    };
    let sim = SimDriver::open_journal(Arc::new(journal), contents, sim_config)?
        .beside_the_leader(controls.clone());
    let drivers = assemble::drivers(sim, &dir)?;
    let store: Arc<dyn Store> = pg.clone();
    let engine = Engine::open_beside(store.clone(), drivers, config.engine.clone()).await?;
    let exposition = config
        .metrics
        .enabled
        .then(crate::metrics::exposition)
        .flatten();
    assemble::api_state(
        config,
        Parts {
            store,
            engine,
            auth,
            faults: Arc::new(FaultBook::new(switchboard_identity::policy::matches)),
            transitions: Arc::new(TransitionBook::new()),
            exposition,
        },
    )
}

fn set_router(slot: &MemberSlot, router: Option<Router>) {
    *slot.write().unwrap_or_else(|p| p.into_inner()) = router;
}

/// Whether a replica on this configuration serves beside the leader.
pub fn serves(config: &Config) -> bool {
    config.store.database_url.is_some() && config.store.standbys == crate::config::Standbys::Serve
}
