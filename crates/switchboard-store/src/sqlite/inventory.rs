//! The inventory's domains, projects and resources, written at every start.

use crate::{StoreError, StoreResult};
use sqlx::sqlite::SqlitePool;
use std::collections::{HashMap, HashSet};
use switchboard_core::{now_millis, ResourceSpec};

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
    let stored: Vec<(String, String, bool)> =
        sqlx::query_as("SELECT id, spec, configured FROM resources")
            .fetch_all(&mut *tx)
            .await?;
    let declared: HashSet<&str> = resources.iter().map(|r| r.id.as_str()).collect();
    let mut kept = HashMap::with_capacity(stored.len());
    for (id, spec, configured) in &stored {
        if *configured && !declared.contains(id.as_str()) {
            // No longer declared: from now on it counts as created through the API.
            sqlx::query("UPDATE resources SET configured = 0 WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        kept.insert(id.as_str(), (spec.as_str(), *configured));
    }
    for r in resources {
        let spec = serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if kept.get(r.id.as_str()) == Some(&(spec.as_str(), true)) {
            continue;
        }
        sqlx::query(
            "INSERT INTO resources (id, project_id, kind, name, cluster_id, spec, state, updated_at, configured)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
             ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, kind = excluded.kind,
             name = excluded.name, cluster_id = excluded.cluster_id, spec = excluded.spec,
             configured = 1",
        )
        .bind(&r.id)
        .bind(&r.project_id)
        .bind(r.kind.as_str())
        .bind(&r.name)
        .bind(r.cluster)
        .bind(spec)
        .bind(r.initial_state.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
