//! A replica on PostgreSQL: what it must agree on with the others, and its start, which stands
//! by (shown as the `standing_by` phase) until the serving lease is its own.

use crate::config::Config;
use crate::startup::{Phase, Progress};
use anyhow::{Context, Result};
use switchboard_core::sim_journal::JournalContents;
use switchboard_identity::secrets::MasterKey;
use switchboard_store::{PgSimJournal, PgStore, Replica, StoreOptions};

/// SHA-256 of what replicas of one database must agree on, as canonical JSON.
pub fn fingerprint(value: &impl serde::Serialize) -> Result<String> {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(value)?;
    Ok(hex::encode(Sha256::digest(json)))
}

/// This replica as `[store]` names it, with the fingerprints of its inventory and key; while
/// it stands by, `progress` learns the leader's URL.
pub fn of(
    config: &Config,
    inventory: String,
    master_key: &MasterKey,
    progress: &Progress,
) -> Replica {
    // Reachable by the others where it listens on a given address, or where it is told.
    let listening =
        (!config.listen.ip().is_unspecified()).then(|| format!("http://{}", config.listen));
    let defaults = Replica::default();
    Replica {
        name: config.store.replica.clone().unwrap_or(defaults.name),
        lease: config.store.lease,
        listen: !config.store.poll_only,
        inventory: Some(inventory),
        master_key: Some(master_key.fingerprint()),
        url: config.store.advertise_url.clone().or(listening),
        leader: progress.leader.clone(),
        ..defaults
    }
}

/// Opens the database once this replica leads, and the simulated world's journal in it.
pub async fn open(
    url: &str,
    options: &StoreOptions,
    replica: Replica,
    progress: &Progress,
) -> Result<(PgStore, (PgSimJournal, JournalContents))> {
    let mut leader = replica.leader.subscribe();
    let shown = progress.clone();
    let announce = tokio::spawn(async move {
        if leader.wait_for(Option::is_some).await.is_ok() {
            shown.advance(Phase::OpeningStore, Phase::StandingBy);
        }
    });
    let opened = PgStore::open_replica(url, options, &replica).await;
    announce.abort();
    let pg = opened.context("cannot open the PostgreSQL database")?;
    let journal = pg
        .sim_journal()
        .await
        .context("cannot open the simulated world's journal")?;
    Ok((pg, journal))
}
