//! The inventory's domains, projects and resources, written at every start.

use crate::{ResourceRecord, StoreError, StoreResult};
use futures::TryStreamExt;
use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Row, Sqlite};
use std::collections::HashMap;
use switchboard_core::{now_millis, ResourceSpec};

/// Rows per statement of a sync: 9 columns each, under SQLite's 32,766 bound variables.
const SYNC_ROWS: usize = 1000;

/// Every stored resource with its edits, in creation order. Rows are decoded as they come
/// (not all fetched first), and only the columns a record needs are read.
pub(super) async fn resources(pool: &SqlitePool) -> StoreResult<Vec<ResourceRecord>> {
    let mut out = Vec::new();
    let mut rows = sqlx::query(
        "SELECT r.spec, r.state, r.active_task_id, r.deleted, r.configured, r.last_error,
         r.updated_at, e.name AS edited_name, e.attrs AS edited_attrs FROM resources r
         LEFT JOIN resource_edits e ON e.resource_id = r.id ORDER BY r.rowid",
    )
    .fetch(pool);
    while let Some(row) = rows.try_next().await? {
        out.push(super::rows::resource(&row)?);
    }
    Ok(out)
}

/// Upserts what the inventory declares and differs from the stored row; resources it does not
/// declare are marked as created through the API (`configured = 0`), which a reset deletes.
pub(super) async fn sync(
    pool: &SqlitePool,
    domains: &[(String, String)],
    projects: &[(String, String, String)],
    resources: &[ResourceSpec],
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    for (id, name) in domains {
        sqlx::query("INSERT INTO domains (id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name")
            .bind(id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    for (id, name, domain_id) in projects {
        sqlx::query(
            "INSERT INTO projects (id, name, domain_id) VALUES (?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, domain_id = excluded.domain_id",
        )
        .bind(id)
        .bind(name)
        .bind(domain_id)
        .execute(&mut *tx)
        .await?;
    }
    let now = now_millis();
    // Only what changed is written: a restart with the same inventory reads it and writes none.
    // The stored rows are compared as they come, against the declared ones by id (borrowed).
    let mut unchanged = vec![false; resources.len()];
    let position: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut undeclared = Vec::new();
    {
        let mut stored = sqlx::query("SELECT id, spec, configured FROM resources").fetch(&mut *tx);
        while let Some(row) = stored.try_next().await? {
            let id: &str = row.try_get(0)?;
            let configured: bool = row.try_get(2)?;
            match position.get(id) {
                Some(&i) => {
                    let spec: &str = row.try_get(1)?;
                    let same =
                        configured && serde_json::to_string(&resources[i]).is_ok_and(|d| d == spec);
                    unchanged[i] = same;
                }
                None if configured => undeclared.push(id.to_string()),
                None => {}
            }
        }
    }
    for id in &undeclared {
        // No longer declared: from now on it counts as created through the API.
        sqlx::query("UPDATE resources SET configured = 0 WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let changed: Vec<&ResourceSpec> = resources
        .iter()
        .zip(&unchanged)
        .filter(|(_, same)| !**same)
        .map(|(r, _)| r)
        .collect();
    // Many rows per statement: a first start writes the whole inventory, and one statement per
    // row was a round trip to SQLite's thread each (3 s for 100,000 resources).
    for chunk in changed.chunks(SYNC_ROWS) {
        let mut specs = Vec::with_capacity(chunk.len());
        for r in chunk {
            specs.push(serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO resources (id, project_id, kind, name, cluster_id, spec, state, updated_at, configured) ",
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
            " ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, kind = excluded.kind,
             name = excluded.name, cluster_id = excluded.cluster_id, spec = excluded.spec,
             configured = 1",
        );
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
