//! The simulated world's journal in PostgreSQL, so that every replica reaches the same world
//! and one query proves what it performed. Each replica's entries are written in order by one
//! task, as many per transaction as are queued, each transaction only while its writer is not
//! fenced off, and numbered from the head the transaction holds until it commits: numbers
//! follow commit order across replicas. A transaction also reads the others' entries before its
//! own, so that its answer lets the replica's world apply everything up to its own in order.

use super::groups::Reconnecting;
use super::serving;
use super::sim_reads::{contents, entries_through, numbered, read_after};
use crate::{StoreError, StoreResult};
use sqlx::postgres::PgPool;
use sqlx::PgConnection;
use std::sync::Arc;
use switchboard_core::sim_journal::{Durable, Followed, JournalContents, Numbered, SimJournal};
use tokio::sync::{mpsc, oneshot, watch};

/// Entries written in one transaction at most.
const BATCH: usize = 1024;

enum Op {
    Append(
        u64,
        String,
        oneshot::Sender<Result<Arc<Vec<Numbered>>, String>>,
    ),
    Compact(u64, String),
}

pub struct PgSimJournal {
    queue: mpsc::UnboundedSender<Op>,
    pool: PgPool,
}

impl SimJournal for PgSimJournal {
    fn append(&self, after: u64, line: String) -> Durable {
        let (done, durable) = oneshot::channel();
        // A stopped journal drops `done`: the entry is then refused.
        let _ = self.queue.send(Op::Append(after, line, done));
        durable
    }

    fn compact(&self, seq: u64, doc: String) {
        let _ = self.queue.send(Op::Compact(seq, doc));
    }

    fn read_after(&self, after: u64) -> Followed {
        let (done, followed) = oneshot::channel();
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut reconnecting = Reconnecting::default();
            let read = loop {
                match read_after(&pool, after).await {
                    Err(err) if reconnecting.worth_it(&err) => {
                        reconnecting.pause(&err, "the simulated world").await
                    }
                    read => break read,
                }
            };
            let _ = done.send(read.map_err(|e| e.to_string()));
        });
        followed
    }
}

/// The journal written under `token`, and what it holds now.
pub(super) async fn open(
    pool: &PgPool,
    token: i64,
    lose: watch::Sender<bool>,
) -> StoreResult<(PgSimJournal, JournalContents)> {
    let contents = contents(pool).await?;
    let (queue, ops) = mpsc::unbounded_channel();
    tokio::spawn(write(pool.clone(), token, lose, ops));
    let journal = PgSimJournal {
        queue,
        pool: pool.clone(),
    };
    Ok((journal, contents))
}

async fn write(
    pool: PgPool,
    token: i64,
    lose: watch::Sender<bool>,
    mut ops: mpsc::UnboundedReceiver<Op>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while ops.recv_many(&mut batch, BATCH).await > 0 {
        let result = write_retrying(&pool, token, &lose, &batch).await;
        if let Err(err) = &result {
            tracing::error!(%err, "the simulated world's journal refused entries");
        }
        let answer = result.map(Arc::new).map_err(|e| e.to_string());
        for op in batch.drain(..) {
            if let Op::Append(_, _, done) = op {
                let _ = done.send(answer.clone());
            }
        }
    }
}

async fn write_retrying(
    pool: &PgPool,
    token: i64,
    lose: &watch::Sender<bool>,
    batch: &[Op],
) -> StoreResult<Vec<Numbered>> {
    let mut reconnecting = Reconnecting::default();
    loop {
        match write_batch(pool, token, lose, batch).await {
            Err(err) if reconnecting.worth_it(&err) => {
                reconnecting.pause(&err, "the simulated world").await;
                // The try may have committed before its connection went: the entries are then
                // in, and writing them again would number them twice. The answer is read back.
                let found = loop {
                    match written(pool, token, batch).await {
                        Err(err) if reconnecting.worth_it(&err) => {
                            reconnecting.pause(&err, "the simulated world").await
                        }
                        found => break found?,
                    }
                };
                if let Some(last) = found {
                    tracing::info!(%err, "the journal's batch was committed by an earlier try");
                    return entries_through(pool, after(batch), last).await;
                }
            }
            result => return result,
        }
    }
}

/// Where the batch's answer starts: the first position any of its appenders had applied.
fn after(batch: &[Op]) -> u64 {
    let afters = batch.iter().filter_map(|op| match op {
        Op::Append(after, _, _) => Some(*after),
        Op::Compact(..) => None,
    });
    afters.min().unwrap_or(0)
}

/// The number of the batch's last entry if it is in the journal under `token` (batches commit
/// whole, in order).
async fn written(pool: &PgPool, token: i64, batch: &[Op]) -> StoreResult<Option<u64>> {
    let Some(last) = batch.iter().rev().find_map(|op| match op {
        Op::Append(_, line, _) => Some(line.as_str()),
        Op::Compact(..) => None,
    }) else {
        return Ok(None);
    };
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT max(seq) FROM sim_journal WHERE token = $1 AND entry = $2")
            .bind(token)
            .bind(last)
            .fetch_one(pool)
            .await?;
    Ok(seq.map(|s| s as u64))
}

/// One transaction: the appends numbered from the head, after the entries the others
/// committed since the batch's position (read back for the answer); then the compactions.
async fn write_batch(
    pool: &PgPool,
    token: i64,
    lose: &watch::Sender<bool>,
    batch: &[Op],
) -> StoreResult<Vec<Numbered>> {
    if *lose.borrow() {
        return Err(StoreError::InUse(serving::LOST));
    }
    let mut tx = pool.begin().await?;
    serving::check(&mut tx, token, lose).await?;
    let lines: Vec<&str> = batch
        .iter()
        .filter_map(|op| match op {
            Op::Append(_, line, _) => Some(line.as_str()),
            Op::Compact(..) => None,
        })
        .collect();
    let mut answer = Vec::new();
    if !lines.is_empty() {
        answer = append(&mut tx, token, after(batch), &lines).await?;
    }
    for op in batch {
        if let Op::Compact(seq, doc) = op {
            compact(&mut tx, *seq, doc).await?;
        }
    }
    tx.commit().await?;
    Ok(answer)
}

/// Numbers and inserts `lines`; the entries from `after` through them.
async fn append(
    tx: &mut PgConnection,
    token: i64,
    after: u64,
    lines: &[&str],
) -> StoreResult<Vec<Numbered>> {
    let last: i64 =
        sqlx::query_scalar("UPDATE sim_head SET seq = seq + $1 WHERE id = 0 RETURNING seq")
            .bind(lines.len() as i64)
            .fetch_one(&mut *tx)
            .await?;
    let first = last - lines.len() as i64 + 1;
    // The head was locked after every earlier batch committed: all of them are seen here.
    let mut answer: Vec<Numbered> = numbered(
        sqlx::query_as(
            "SELECT seq, entry FROM sim_journal WHERE seq > $1 AND seq < $2 ORDER BY seq",
        )
        .bind(after as i64)
        .bind(first)
        .fetch_all(&mut *tx)
        .await?,
    );
    sqlx::query(
        "INSERT INTO sim_journal (seq, token, entry) \
         SELECT $1 + n - 1, $3, e FROM UNNEST($2::text[]) WITH ORDINALITY AS t(e, n)",
    )
    .bind(first)
    .bind(lines)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    let own = lines.iter().enumerate();
    answer.extend(own.map(|(i, line)| ((first + i as i64) as u64, line.to_string())));
    Ok(answer)
}

/// Replaces the snapshot by a newer one; the entries the replaced one covered go (those since,
/// which the new one covers too, stay for a replica still applying them).
async fn compact(tx: &mut PgConnection, seq: u64, doc: &str) -> StoreResult<()> {
    let replaced: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM sim_snapshot WHERE id = 0 FOR UPDATE")
            .fetch_optional(&mut *tx)
            .await?;
    if replaced.is_some_and(|r| r >= seq as i64) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO sim_snapshot (id, seq, doc) VALUES (0, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc \
         WHERE sim_snapshot.seq < excluded.seq",
    )
    .bind(seq as i64)
    .bind(doc)
    .execute(&mut *tx)
    .await?;
    if let Some(replaced) = replaced {
        sqlx::query("DELETE FROM sim_journal WHERE seq <= $1")
            .bind(replaced)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
