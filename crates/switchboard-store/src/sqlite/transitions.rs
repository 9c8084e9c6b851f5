//! Transitions of the simulated world and its clock's offset.

use crate::{StoreError, StoreResult, Write};
use sqlx::sqlite::SqlitePool;
use sqlx::SqliteConnection;
use switchboard_core::transitions::Transition;

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Applies a transition or clock write inside the commit's transaction.
pub(crate) async fn apply(conn: &mut SqliteConnection, w: &Write) -> StoreResult<()> {
    match w {
        Write::SetTransitions(settings) => {
            sqlx::query("DELETE FROM transitions")
                .execute(&mut *conn)
                .await?;
            for (i, s) in settings.iter().enumerate() {
                sqlx::query("INSERT INTO transitions (position, id, setting) VALUES (?, ?, ?)")
                    .bind(i as i64)
                    .bind(s.id.as_deref().unwrap_or_default())
                    .bind(serde_json::to_string(s).map_err(corrupt)?)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Write::SetClockOffset(offset_ms) => {
            sqlx::query(
                "INSERT INTO sim_clock (id, offset_ms) VALUES (0, ?)
                 ON CONFLICT(id) DO UPDATE SET offset_ms = MAX(offset_ms, excluded.offset_ms)",
            )
            .bind(offset_ms)
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

pub(super) async fn settings(pool: &SqlitePool) -> StoreResult<Vec<Transition>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT setting FROM transitions ORDER BY position")
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .map(|(s,)| serde_json::from_str(&s).map_err(corrupt))
        .collect()
}

pub(super) async fn clock_offset(pool: &SqlitePool) -> StoreResult<i64> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT offset_ms FROM sim_clock WHERE id = 0")
        .fetch_optional(pool)
        .await?;
    Ok(row.map_or(0, |(o,)| o))
}
