//! The PostgreSQL store, for several replicas on one database. It is built seam by seam against
//! the same contract tests as SQLite (`tests/*_contract.rs`); so far it holds the identity and inventory seams.

mod admin;
mod identity;
mod inventory;

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
}
