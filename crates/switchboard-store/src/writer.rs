//! Group commit: one task owns the single SQLite write connection; callers send batches of
//! `Write`s, and everything queued while a transaction runs goes into the next one. Submissions
//! someone is waiting on to answer a request go first; background ones fill the rest of a group
//! up to a statement budget, so a backlog of bookkeeping never delays an answer by more than
//! one small transaction. A group that fails is retried one submission at a time so that one bad
//! submission cannot fail its neighbours.

use crate::bulk::Grouped;
use crate::events::EventLog;
use crate::{Event, Priority, StoreResult, Write};
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

/// Most answer-bearing submissions folded into one transaction.
const MAX_GROUP: usize = 512;
/// Statements of background work added to a group once the answers are in.
const BACKGROUND_BUDGET: usize = 256;

pub(crate) struct Submission {
    pub writes: Vec<Write>,
    pub done: oneshot::Sender<StoreResult<()>>,
}

impl Submission {
    fn statements(&self) -> usize {
        self.writes
            .iter()
            .map(|w| match w {
                Write::InsertTask { steps, .. } => 1 + steps.len(),
                _ => 1,
            })
            .sum()
    }
}

pub(crate) struct WriterHandle {
    answers: mpsc::UnboundedSender<Submission>,
    background: mpsc::UnboundedSender<Submission>,
}

impl WriterHandle {
    pub fn send(&self, s: Submission, priority: Priority) -> Result<(), Submission> {
        let channel = match priority {
            Priority::Answer => &self.answers,
            Priority::Background => &self.background,
        };
        channel.send(s).map_err(|e| e.0)
    }
}

pub(crate) fn spawn(mut conn: SqliteConnection, mut log: EventLog) -> WriterHandle {
    let (answers, mut answer_rx) = mpsc::unbounded_channel::<Submission>();
    let (background, mut background_rx) = mpsc::unbounded_channel::<Submission>();
    tokio::spawn(async move {
        let mut group = Vec::with_capacity(MAX_GROUP);
        loop {
            let mut took_background = false;
            tokio::select! {
                biased;
                Some(s) = answer_rx.recv() => group.push(s),
                Some(s) = background_rx.recv() => {
                    took_background = true;
                    group.push(s);
                }
                else => break,
            }
            while group.len() < MAX_GROUP {
                match answer_rx.try_recv() {
                    Ok(s) => group.push(s),
                    Err(_) => break,
                }
            }
            // At least one background submission joins every group, so bookkeeping (and the
            // release of finished tasks' claims) cannot starve under a flood of answers.
            let mut budget = group.iter().map(Submission::statements).sum::<usize>();
            while budget < BACKGROUND_BUDGET || !took_background {
                match background_rx.try_recv() {
                    Ok(s) => {
                        budget += s.statements();
                        took_background = true;
                        group.push(s);
                    }
                    Err(_) => break,
                }
            }
            match apply_group(&mut conn, &log, &group).await {
                Ok(events) => {
                    log.committed(events);
                    for s in group.drain(..) {
                        let _ = s.done.send(Ok(()));
                    }
                }
                Err(err) if group.len() == 1 => {
                    tracing::error!(%err, "write failed");
                    if let Some(s) = group.pop() {
                        let _ = s.done.send(Err(err));
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, n = group.len(), "group commit failed; retrying one by one");
                    for s in group.drain(..) {
                        let res = apply_group(&mut conn, &log, std::slice::from_ref(&s)).await;
                        let res = match res {
                            Ok(events) => {
                                log.committed(events);
                                Ok(())
                            }
                            Err(err) => {
                                tracing::error!(%err, "a submission failed on its own and was dropped");
                                Err(err)
                            }
                        };
                        let _ = s.done.send(res);
                    }
                }
            }
        }
        let _ = conn.close().await;
    });
    WriterHandle {
        answers,
        background,
    }
}

/// One transaction for the group's writes and their events; the events, numbered, once durable.
async fn apply_group(
    conn: &mut SqliteConnection,
    log: &EventLog,
    group: &[Submission],
) -> StoreResult<Vec<Event>> {
    let started = std::time::Instant::now();
    let mut tx = conn.begin().await?;
    let grouped = Grouped::new(group.iter().flat_map(|s| s.writes.iter()));
    grouped.apply(&mut tx).await?;
    let events = log.insert(&mut tx, &grouped.events).await?;
    tx.commit().await?;
    crate::metrics::committed(group.len(), started);
    Ok(events)
}
