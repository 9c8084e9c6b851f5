//! Reads of the simulated world's journal: what a replica opens its world from, what it follows,
//! and a batch's answer read back after a lost connection.

use crate::StoreResult;
use sqlx::postgres::PgPool;
use switchboard_core::sim_journal::{Following, JournalContents, Numbered};

/// Entries one read returns at most.
const READ: i64 = switchboard_core::sim_journal::PAGE as i64;

/// The snapshot and the entries after it, as of one moment (a compaction may commit between the
/// two reads otherwise).
pub(super) async fn contents(pool: &PgPool) -> StoreResult<JournalContents> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let snapshot: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, doc FROM sim_snapshot WHERE id = 0")
            .fetch_optional(&mut *tx)
            .await?;
    let covered = snapshot.as_ref().map_or(0, |(seq, _)| *seq);
    let entries = sqlx::query_as("SELECT seq, entry FROM sim_journal WHERE seq > $1 ORDER BY seq")
        .bind(covered)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(JournalContents {
        snapshot: snapshot.map(|(_, doc)| doc),
        entries: numbered(entries),
    })
}

pub(super) fn numbered(rows: Vec<(i64, String)>) -> Vec<Numbered> {
    rows.into_iter().map(|(s, e)| (s as u64, e)).collect()
}

/// The entries after `after`, or the whole journal when some of them were compacted away. One
/// statement: the head comes with them, to tell "nothing after it" from "compacted away".
pub(super) async fn read_after(pool: &PgPool, after: u64) -> StoreResult<Following> {
    let rows: Vec<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT h.seq, j.seq, j.entry FROM sim_head h LEFT JOIN LATERAL \
         (SELECT seq, entry FROM sim_journal WHERE seq > $1 ORDER BY seq LIMIT $2) j ON true \
         WHERE h.id = 0 ORDER BY j.seq",
    )
    .bind(after as i64)
    .bind(READ)
    .fetch_all(pool)
    .await?;
    let head = rows.first().map_or(0, |r| r.0 as u64);
    let entries: Vec<Numbered> = rows
        .into_iter()
        .filter_map(|(_, seq, entry)| Some((seq? as u64, entry?)))
        .collect();
    let whole = match entries.first() {
        Some((first, _)) => *first == after + 1,
        None => head <= after,
    };
    if whole {
        return Ok(Following::Entries(entries));
    }
    Ok(Following::Reopen(contents(pool).await?))
}

pub(super) async fn entries_through(
    pool: &PgPool,
    after: u64,
    last: u64,
) -> StoreResult<Vec<Numbered>> {
    let rows = sqlx::query_as(
        "SELECT seq, entry FROM sim_journal WHERE seq > $1 AND seq <= $2 ORDER BY seq",
    )
    .bind(after as i64)
    .bind(last as i64)
    .fetch_all(pool)
    .await?;
    Ok(numbered(rows))
}
