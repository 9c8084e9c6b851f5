//! Server metadata: one JSON object per resource, changed read-modify-write inside one
//! transaction that takes SQLite's write lock first, so concurrent writers never lose updates.
//!
//! Every row is also held in memory ([`Cache`], loaded at open): a Nova show reads its
//! server's metadata without a trip to SQLite's worker thread. The cache changes only after
//! the transaction that changed the rows committed, under one lock shared by every write that
//! touches the table (metadata edits, resets, restores), so it follows commit order.

use crate::{Metadata, MetadataChange, StoreError, StoreResult, Write};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::sync::RwLock;

fn decode(items: &str) -> StoreResult<Metadata> {
    serde_json::from_str(items).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
}

fn encode(items: &Metadata) -> StoreResult<String> {
    serde_json::to_string(items).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
}

/// The `resource_metadata` table in memory: a resource without an entry has no row.
#[derive(Default)]
pub(super) struct Cache {
    rows: RwLock<HashMap<String, Metadata>>,
    /// Held by every write to the table from before its transaction until the cache follows.
    writes: tokio::sync::Mutex<()>,
}

impl Cache {
    /// Every stored row.
    pub(super) async fn load(pool: &SqlitePool) -> StoreResult<Self> {
        let cache = Cache::default();
        cache.reload(pool).await?;
        Ok(cache)
    }

    async fn reload(&self, pool: &SqlitePool) -> StoreResult<()> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT resource_id, items FROM resource_metadata")
                .fetch_all(pool)
                .await?;
        let mut map = HashMap::with_capacity(rows.len());
        for (id, items) in rows {
            map.insert(id, decode(&items)?);
        }
        *self.write_rows() = map;
        Ok(())
    }

    fn read_rows(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Metadata>> {
        self.rows.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_rows(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Metadata>> {
        self.rows.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn metadata(&self, resource_id: &str) -> Option<Metadata> {
        self.read_rows().get(resource_id).cloned()
    }

    pub(super) fn metadata_of(&self, resource_ids: &[String]) -> HashMap<String, Metadata> {
        let rows = self.read_rows();
        resource_ids
            .iter()
            .filter_map(|id| rows.get(id).map(|m| (id.clone(), m.clone())))
            .collect()
    }

    /// Runs `commit`; when its writes touch metadata rows (`touch`), the cache follows what
    /// committed (reloaded whole after a replacement or any failure).
    pub(super) async fn around_commit<F>(
        &self,
        pool: &SqlitePool,
        touch: Touch,
        commit: F,
    ) -> StoreResult<()>
    where
        F: std::future::Future<Output = StoreResult<()>>,
    {
        let _order = self.writes.lock().await;
        let result = commit.await;
        if touch.replaces || result.is_err() {
            self.reload(pool).await?;
        } else {
            let mut rows = self.write_rows();
            for id in &touch.resets {
                rows.remove(id);
            }
        }
        result
    }
}

/// What a commit does to metadata rows: resets remove a resource's, a replacement rewrites all.
pub(super) struct Touch {
    replaces: bool,
    resets: Vec<String>,
}

impl Touch {
    /// `None` when `writes` leave every metadata row alone.
    pub(super) fn of(writes: &[Write]) -> Option<Touch> {
        let replaces = writes.iter().any(|w| matches!(w, Write::ReplaceState(_)));
        let resets: Vec<String> = writes
            .iter()
            .filter_map(|w| match w {
                Write::ResetResource { id, .. } => Some(id.clone()),
                _ => None,
            })
            .collect();
        (replaces || !resets.is_empty()).then_some(Touch { replaces, resets })
    }
}

pub(super) async fn update_metadata(
    pool: &SqlitePool,
    cache: &Cache,
    resource_id: &str,
    seed: &Metadata,
    change: MetadataChange,
) -> StoreResult<Option<Metadata>> {
    let _order = cache.writes.lock().await;
    let mut tx = pool.begin().await?;
    // A write first: the transaction holds the write lock before it reads, so no other writer
    // can slip in between the read and the update.
    sqlx::query(
        "INSERT INTO resource_metadata (resource_id, items) VALUES (?, ?) ON CONFLICT(resource_id) DO NOTHING",
    )
    .bind(resource_id)
    .bind(encode(seed)?)
    .execute(&mut *tx)
    .await?;
    let items: String =
        sqlx::query_scalar("SELECT items FROM resource_metadata WHERE resource_id = ?")
            .bind(resource_id)
            .fetch_one(&mut *tx)
            .await?;
    let mut items = decode(&items)?;
    if !change(&mut items) {
        tx.rollback().await?;
        return Ok(None);
    }
    sqlx::query("UPDATE resource_metadata SET items = ? WHERE resource_id = ?")
        .bind(encode(&items)?)
        .bind(resource_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    cache
        .write_rows()
        .insert(resource_id.to_string(), items.clone());
    Ok(Some(items))
}
