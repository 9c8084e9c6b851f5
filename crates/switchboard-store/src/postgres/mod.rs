//! The PostgreSQL store, for several replicas on one database. It is built seam by seam against
//! the same contract tests as SQLite (`tests/*_contract.rs`); so far it holds the identity seam.

mod admin;
mod identity;

use crate::StoreResult;
use sqlx::postgres::{PgPool, PgPoolOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections each replica keeps to the database.
const POOL_SIZE: u32 = 8;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and brings its schema up to date. Replicas starting
    /// together do not race: the migrator holds PostgreSQL's advisory lock while it runs.
    pub async fn open(url: &str) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// Inserts the domains and projects the inventory declares, keeping those already known.
    /// Until the inventory seam is built here, this is how they get into the database.
    pub async fn sync_identity_scopes(
        &self,
        domains: &[(String, String)],
        projects: &[(String, String, String)],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for (id, name) in domains {
            sqlx::query(
                "INSERT INTO domains (id, name) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            )
            .bind(id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        for (id, name, domain_id) in projects {
            sqlx::query(
                "INSERT INTO projects (id, name, domain_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, domain_id = excluded.domain_id",
            )
            .bind(id)
            .bind(name)
            .bind(domain_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
