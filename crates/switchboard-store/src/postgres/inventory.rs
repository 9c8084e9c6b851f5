//! The inventory seam on PostgreSQL: the inventory's domains, projects and resources, written at
//! every start by whichever replica starts, and server metadata changed read-modify-write under
//! the row's lock.

use super::PgStore;
use crate::decode::StoredResource;
use crate::{InventoryStore, Metadata, MetadataChange, ResourceRecord, StoreError, StoreResult};
use futures::TryStreamExt;
use sqlx::{Postgres, QueryBuilder, Row};
use std::collections::HashMap;
use switchboard_core::{now_millis, ResourceSpec};

/// Rows per statement of a sync: 9 parameters each, under PostgreSQL's 65,535.
const SYNC_ROWS: usize = 1000;

fn decode(items: &str) -> StoreResult<Metadata> {
    serde_json::from_str(items).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
}

fn encode(items: &Metadata) -> StoreResult<String> {
    serde_json::to_string(items).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
}

/// Every resource with its edits, as the engine reads them.
const RESOURCES: &str = "SELECT r.spec, r.state, r.active_task_id, r.deleted, r.configured, \
     r.last_error, r.updated_at, e.name AS edited_name, e.attrs AS edited_attrs \
     FROM resources r LEFT JOIN resource_edits e ON e.resource_id = r.id";

fn stored(row: &sqlx::postgres::PgRow) -> StoreResult<StoredResource<'_>> {
    Ok(StoredResource {
        spec: row.try_get("spec")?,
        edited_name: row.try_get("edited_name")?,
        edited_attrs: row.try_get("edited_attrs")?,
        state: row.try_get("state")?,
        active_task: row.try_get("active_task_id")?,
        deleted: row.try_get("deleted")?,
        configured: row.try_get("configured")?,
        last_error: row.try_get("last_error")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[async_trait::async_trait]
impl InventoryStore for PgStore {
    async fn sync_inventory(
        &self,
        domains: &[(String, String)],
        projects: &[(String, String, String)],
        resources: &[ResourceSpec],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // The inventory the database was last synced with (a replica's fingerprint of it) is
        // not read back and compared again: a takeover or restart on it writes and locks
        // nothing, where it read every resource's spec (a fifth of a second at 100,000).
        if let Some(mine) = &self.inventory {
            let synced = super::cluster::synced_inventory(&mut tx).await?;
            if synced.as_ref() == Some(mine) {
                return Ok(tx.commit().await?);
            }
        }
        super::identity::write_scopes(&mut tx, domains, projects).await?;
        let now = now_millis();
        // Only what changed is written: a restart with the same inventory writes nothing.
        let position: HashMap<&str, usize> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut unchanged = vec![false; resources.len()];
        let mut undeclared = Vec::new();
        {
            let mut stored = sqlx::query("SELECT id, spec, configured FROM resources FOR UPDATE")
                .fetch(&mut *tx);
            while let Some(row) = stored.try_next().await? {
                let id: &str = row.try_get(0)?;
                let configured: bool = row.try_get(2)?;
                match position.get(id) {
                    Some(&i) => {
                        let spec: &str = row.try_get(1)?;
                        unchanged[i] = configured
                            && serde_json::to_string(&resources[i]).is_ok_and(|d| d == spec);
                    }
                    // No longer declared: from now on it counts as created through the API.
                    None if configured => undeclared.push(id.to_string()),
                    None => {}
                }
            }
        }
        sqlx::query("UPDATE resources SET configured = FALSE WHERE id = ANY($1)")
            .bind(&undeclared)
            .execute(&mut *tx)
            .await?;
        let changed: Vec<&ResourceSpec> = resources
            .iter()
            .zip(&unchanged)
            .filter(|(_, same)| !**same)
            .map(|(r, _)| r)
            .collect();
        for chunk in changed.chunks(SYNC_ROWS) {
            let specs = chunk
                .iter()
                .map(|r| serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string())))
                .collect::<StoreResult<Vec<_>>>()?;
            let mut q = QueryBuilder::<Postgres>::new(
                "INSERT INTO resources (id, project_id, kind, name, cluster_id, spec, state, \
                 updated_at, configured) ",
            );
            q.push_values(chunk.iter().zip(&specs), |mut b, (r, spec)| {
                b.push_bind(&r.id)
                    .push_bind(&r.project_id)
                    .push_bind(r.kind.as_str())
                    .push_bind(&r.name)
                    .push_bind(r.cluster)
                    .push_bind(spec)
                    .push_bind(r.initial_state.as_str())
                    .push_bind(now)
                    .push_bind(true);
            });
            q.push(
                " ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, \
                 kind = excluded.kind, name = excluded.name, cluster_id = excluded.cluster_id, \
                 spec = excluded.spec, configured = TRUE",
            );
            q.build().execute(&mut *tx).await?;
        }
        if let Some(mine) = &self.inventory {
            super::cluster::record_synced(&mut tx, mine).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn resources(&self) -> StoreResult<Vec<ResourceRecord>> {
        let mut out = Vec::new();
        let sql = format!("{RESOURCES} ORDER BY r.ord");
        let mut rows = sqlx::query(&sql).fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            out.push(stored(&row)?.record()?);
        }
        Ok(out)
    }

    async fn resource(&self, id: &str) -> StoreResult<Option<ResourceRecord>> {
        let row = sqlx::query(&format!("{RESOURCES} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| stored(&row)?.record()).transpose()
    }

    async fn metadata(&self, resource_id: &str) -> StoreResult<Option<Metadata>> {
        let items: Option<String> =
            sqlx::query_scalar("SELECT items FROM resource_metadata WHERE resource_id = $1")
                .bind(resource_id)
                .fetch_optional(&self.pool)
                .await?;
        items.as_deref().map(decode).transpose()
    }

    async fn metadata_of(&self, resource_ids: &[String]) -> StoreResult<HashMap<String, Metadata>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT resource_id, items FROM resource_metadata WHERE resource_id = ANY($1)",
        )
        .bind(resource_ids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, items)| Ok((id, decode(&items)?)))
            .collect()
    }

    async fn update_metadata(
        &self,
        resource_id: &str,
        seed: &Metadata,
        change: MetadataChange,
    ) -> StoreResult<Option<Metadata>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO resource_metadata (resource_id, items) VALUES ($1, $2) \
             ON CONFLICT (resource_id) DO NOTHING",
        )
        .bind(resource_id)
        .bind(encode(seed)?)
        .execute(&mut *tx)
        .await?;
        // The row stays locked until the commit: concurrent changes, on any replica, queue.
        let items: String = sqlx::query_scalar(
            "SELECT items FROM resource_metadata WHERE resource_id = $1 FOR UPDATE",
        )
        .bind(resource_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut items = decode(&items)?;
        if !change(&mut items) {
            tx.rollback().await?;
            return Ok(None);
        }
        sqlx::query("UPDATE resource_metadata SET items = $1 WHERE resource_id = $2")
            .bind(encode(&items)?)
            .bind(resource_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(items))
    }
}
