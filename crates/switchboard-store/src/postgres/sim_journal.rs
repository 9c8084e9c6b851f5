//! The simulated world's journal in PostgreSQL, so that every replica reaches the same world
//! and one query proves what it performed. Entries are written in order by one task, as many
//! per transaction as are queued, each transaction only while this replica holds the serving
//! lease: a replica that lost it cannot act on the world any more.

use super::groups::Reconnecting;
use super::serving;
use crate::{StoreError, StoreResult};
use sqlx::postgres::PgPool;
use switchboard_core::sim_journal::{Durable, JournalContents, SimJournal};
use tokio::sync::{mpsc, oneshot, watch};

/// Entries written in one transaction at most.
const BATCH: usize = 1024;

enum Op {
    Append(i64, String, oneshot::Sender<Result<(), String>>),
    Compact(i64, String),
}

pub struct PgSimJournal {
    queue: mpsc::UnboundedSender<Op>,
}

impl SimJournal for PgSimJournal {
    fn append(&self, seq: u64, line: String) -> Durable {
        let (done, durable) = oneshot::channel();
        // A stopped journal drops `done`: the entry is then refused.
        let _ = self.queue.send(Op::Append(seq as i64, line, done));
        durable
    }

    fn compact(&self, seq: u64, doc: String) {
        let _ = self.queue.send(Op::Compact(seq as i64, doc));
    }
}

/// The journal written under `token`, and what it holds now.
pub(super) async fn open(
    pool: &PgPool,
    token: i64,
    lose: watch::Sender<bool>,
) -> StoreResult<(PgSimJournal, JournalContents)> {
    let snapshot: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, doc FROM sim_snapshot WHERE id = 0")
            .fetch_optional(pool)
            .await?;
    let covered = snapshot.as_ref().map_or(0, |(seq, _)| *seq);
    let entries = sqlx::query_scalar("SELECT entry FROM sim_journal WHERE seq > $1 ORDER BY seq")
        .bind(covered)
        .fetch_all(pool)
        .await?;
    let (queue, ops) = mpsc::unbounded_channel();
    tokio::spawn(write(pool.clone(), token, lose, ops));
    let contents = JournalContents {
        snapshot: snapshot.map(|(_, doc)| doc),
        entries,
    };
    Ok((PgSimJournal { queue }, contents))
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
        let answer = result.map_err(|e| e.to_string());
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
) -> StoreResult<()> {
    let mut reconnecting = Reconnecting::default();
    let mut tried = false;
    loop {
        match write_batch(pool, token, lose, batch).await {
            Err(err) if reconnecting.worth_it(&err) => {
                tried = true;
                reconnecting.pause(&err, "the simulated world").await
            }
            // An earlier try lost its connection while committing: if it did commit, this one
            // failed on its entries, and the actions they record were performed.
            Err(err) if tried && written(pool, token, batch).await? => {
                tracing::info!(%err, "the journal's batch was committed by an earlier try");
                return Ok(());
            }
            result => return result,
        }
    }
}

/// Whether the batch's last entry is in the journal under `token` (or compacted into its
/// snapshot): batches commit whole, in order.
async fn written(pool: &PgPool, token: i64, batch: &[Op]) -> StoreResult<bool> {
    let Some(last) = batch.iter().rev().find_map(|op| match op {
        Op::Append(seq, _, _) => Some(*seq),
        Op::Compact(..) => None,
    }) else {
        return Ok(false);
    };
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sim_journal WHERE seq = $1 AND token = $2) \
         OR EXISTS (SELECT 1 FROM sim_snapshot WHERE seq >= $1)",
    )
    .bind(last)
    .bind(token)
    .fetch_one(pool)
    .await?)
}

/// One transaction: the appends in order, each compaction after the entries queued before it.
async fn write_batch(
    pool: &PgPool,
    token: i64,
    lose: &watch::Sender<bool>,
    batch: &[Op],
) -> StoreResult<()> {
    if *lose.borrow() {
        return Err(StoreError::InUse(serving::LOST));
    }
    let mut tx = pool.begin().await?;
    serving::check(&mut tx, token, lose).await?;
    let mut seqs = Vec::new();
    let mut lines = Vec::new();
    for op in batch {
        match op {
            Op::Append(seq, line, _) => {
                seqs.push(*seq);
                lines.push(line.as_str());
            }
            Op::Compact(seq, doc) => {
                insert(&mut tx, token, &mut seqs, &mut lines).await?;
                sqlx::query(
                    "INSERT INTO sim_snapshot (id, seq, doc) VALUES (0, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc",
                )
                .bind(seq)
                .bind(doc)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sim_journal WHERE seq <= $1")
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    insert(&mut tx, token, &mut seqs, &mut lines).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert(
    tx: &mut sqlx::PgConnection,
    token: i64,
    seqs: &mut Vec<i64>,
    lines: &mut Vec<&str>,
) -> StoreResult<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO sim_journal (seq, token, entry) \
         SELECT s, $3, e FROM UNNEST($1::bigint[], $2::text[]) AS t(s, e)",
    )
    .bind(&*seqs)
    .bind(&*lines)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    seqs.clear();
    lines.clear();
    Ok(())
}
