//! What the replicas of one database must agree on, kept in `cluster_meta`: the inventory
//! (its fingerprint) and the master key that encrypts stored secrets (a one-way check of it). A
//! replica that disagrees says so and refuses, rather than fighting the others.

use super::serving::Replica;
use crate::{StoreError, StoreResult};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::PgExecutor;

const INVENTORY: &str = "inventory";
const MASTER_KEY: &str = "master_key";
/// The fingerprint of the inventory the resources were last synced with (in the sync's own
/// transaction); gone when a restore replaced them.
const SYNCED_INVENTORY: &str = "synced_inventory";

/// The replica leading now, if one is alive (its lease unexpired and its session open).
const LEADER: &str = "SELECT holder FROM serving_lease WHERE id = 0 AND holder IS NOT NULL \
     AND expires_at > clock_timestamp() AND EXISTS (SELECT 1 FROM pg_stat_activity a \
     WHERE a.pid = serving_lease.holder_pid AND a.backend_start = serving_lease.holder_started)";

async fn stored(pool: &PgPool, key: &str) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM cluster_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

fn refuse(why: String) -> StoreError {
    StoreError::Disagrees(why)
}

/// Before standing by: a replica started with another master key, or with another inventory
/// than the live leader's, refuses at once.
pub(super) async fn check_joining(pool: &PgPool, replica: &Replica) -> StoreResult<()> {
    check_key(pool, replica).await?;
    let Some(mine) = &replica.inventory else {
        return Ok(());
    };
    if stored(pool, INVENTORY).await?.is_some_and(|s| &s != mine) {
        let leader: Option<Option<String>> =
            sqlx::query_scalar(LEADER).fetch_optional(pool).await?;
        if let Some(leader) = leader {
            return Err(refuse(format!(
                "this replica's inventory differs from the one replica {} serves this database \
                 with: start every replica with the same inventory (to change it, stop them \
                 all, then start them with the new one)",
                leader.unwrap_or_default()
            )));
        }
    }
    Ok(())
}

async fn check_key(pool: &PgPool, replica: &Replica) -> StoreResult<()> {
    let Some(mine) = &replica.master_key else {
        return Ok(());
    };
    match stored(pool, MASTER_KEY).await? {
        Some(stored) if &stored != mine => Err(refuse(
            "this replica's master key differs from the one the database's secrets are \
             encrypted with: give every replica the same SWITCHBOARD_MASTER_KEY"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// Once leading: the first replica records what it runs with. A changed inventory is adopted
/// by a replica that found no other alive; one that stood by meanwhile refuses it.
pub(super) async fn settle(pool: &PgPool, replica: &Replica, waited: bool) -> StoreResult<()> {
    if let Some(mine) = &replica.master_key {
        sqlx::query("INSERT INTO cluster_meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(MASTER_KEY)
            .bind(mine)
            .execute(pool)
            .await?;
        check_key(pool, replica).await?;
    }
    let Some(mine) = &replica.inventory else {
        return Ok(());
    };
    match stored(pool, INVENTORY).await? {
        Some(stored) if &stored == mine => return Ok(()),
        Some(_) if waited => {
            return Err(refuse(
                "the database's inventory changed while this replica stood by: start it again \
                 with the new inventory"
                    .into(),
            ))
        }
        Some(_) => tracing::warn!("adopting a changed inventory: no other replica is alive"),
        None => {}
    }
    put(pool, INVENTORY, mine).await
}

/// Sets `key` in `cluster_meta` to `value`.
async fn put<'e>(db: impl PgExecutor<'e>, key: &str, value: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO cluster_meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(db)
    .await?;
    Ok(())
}

/// The fingerprint of the inventory the database was last synced with, locked until `tx` ends.
pub(super) async fn synced_inventory(tx: &mut PgConnection) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM cluster_meta WHERE key = $1 FOR UPDATE")
            .bind(SYNCED_INVENTORY)
            .fetch_optional(tx)
            .await?,
    )
}

/// Records, in the sync's transaction `tx`, that the resources are `inventory`'s.
pub(super) async fn record_synced(tx: &mut PgConnection, inventory: &str) -> StoreResult<()> {
    put(tx, SYNCED_INVENTORY, inventory).await
}

/// After a restore replaced the resources: the next start syncs them with its inventory again.
pub(super) async fn forget_synced(tx: &mut PgConnection) -> StoreResult<()> {
    sqlx::query("DELETE FROM cluster_meta WHERE key = $1")
        .bind(SYNCED_INVENTORY)
        .execute(tx)
        .await?;
    Ok(())
}
