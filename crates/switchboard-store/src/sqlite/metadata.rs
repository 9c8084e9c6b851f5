//! Server metadata: one JSON object per resource, changed read-modify-write inside one
//! transaction that takes SQLite's write lock first, so concurrent writers never lose updates.

use crate::{Metadata, MetadataChange, StoreError, StoreResult};
use sqlx::SqlitePool;
use std::collections::HashMap;

fn decode(items: &str) -> StoreResult<Metadata> {
    serde_json::from_str(items).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
}

fn encode(items: &Metadata) -> StoreResult<String> {
    serde_json::to_string(items).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
}

pub(super) async fn metadata(
    pool: &SqlitePool,
    resource_id: &str,
) -> StoreResult<Option<Metadata>> {
    let items: Option<String> =
        sqlx::query_scalar("SELECT items FROM resource_metadata WHERE resource_id = ?")
            .bind(resource_id)
            .fetch_optional(pool)
            .await?;
    items.as_deref().map(decode).transpose()
}

/// Ids per query, well under SQLite's limit on bound parameters.
const CHUNK: usize = 500;

pub(super) async fn metadata_of(
    pool: &SqlitePool,
    resource_ids: &[String],
) -> StoreResult<HashMap<String, Metadata>> {
    let mut out = HashMap::new();
    for ids in resource_ids.chunks(CHUNK) {
        let marks = vec!["?"; ids.len()].join(",");
        let sql = format!(
            "SELECT resource_id, items FROM resource_metadata WHERE resource_id IN ({marks})"
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for id in ids {
            query = query.bind(id);
        }
        for (id, items) in query.fetch_all(pool).await? {
            out.insert(id, decode(&items)?);
        }
    }
    Ok(out)
}

pub(super) async fn update_metadata(
    pool: &SqlitePool,
    resource_id: &str,
    seed: &Metadata,
    change: MetadataChange,
) -> StoreResult<Option<Metadata>> {
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
    Ok(Some(items))
}

pub(super) async fn resource_tasks(
    pool: &SqlitePool,
    resource_id: &str,
) -> StoreResult<Vec<crate::TaskRecord>> {
    sqlx::query(
        "SELECT * FROM tasks WHERE id IN (SELECT DISTINCT task_id FROM steps WHERE resource_id = ?)
         ORDER BY created_at DESC, id DESC",
    )
    .bind(resource_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(super::rows::task)
    .collect()
}
