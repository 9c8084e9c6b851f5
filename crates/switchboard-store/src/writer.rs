//! Group commit: one task owns the single write connection; callers send batches of
//! `Write`s, and everything queued while a transaction runs goes into the next one. Submissions
//! someone is waiting on to answer a request go first; then every background submission queued
//! when the group forms joins it, so bookkeeping (step progress, task ends and with them the
//! release of claims) is never more than one group behind. When there is more of it than one
//! transaction should carry, the next groups take few answers until it has caught up: accepts
//! slow down rather than bookkeeping falling behind. An accept a claim in the database refused
//! is answered so and left out, and the rest of its group tried again together; a group that
//! fails otherwise is retried one submission at a time so that one bad submission cannot fail
//! its neighbours.

use crate::{Event, OnDurable, Priority, StoreError, StoreResult, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most answer-bearing submissions folded into one transaction.
const MAX_GROUP: usize = 512;
/// Answers a group takes while background work is left over from the previous group.
const THROTTLED_GROUP: usize = 16;
/// Most statements of background work one transaction carries.
const MAX_BACKGROUND: usize = 16_384;

/// A backend's side of group commit: the loop that forms groups, runs hooks, answers and retries
/// is the same for every backend.
#[async_trait::async_trait]
pub(crate) trait GroupCommit: Send + 'static {
    /// Applies every write of `group` in one transaction, with the group's events numbered, and
    /// returns once it is durable.
    async fn apply(&mut self, group: &[Submission]) -> StoreResult<Vec<Event>>;
    /// The group is durable and its hooks have run: announce its events.
    fn publish(&mut self, events: Vec<Event>);
    /// Runs between two groups that committed.
    async fn between_groups(&mut self) {}
    async fn close(self);
}

pub(crate) struct Submission {
    pub writes: Vec<Write>,
    pub done: oneshot::Sender<StoreResult<()>>,
    pub on_durable: Option<OnDurable>,
}

impl Submission {
    pub fn new(writes: Vec<Write>, done: oneshot::Sender<StoreResult<()>>) -> Self {
        Submission {
            writes,
            done,
            on_durable: None,
        }
    }

    /// Runs the hook of a durable submission (before its events go out).
    fn made_durable(&mut self) {
        if let Some(hook) = self.on_durable.take() {
            hook();
        }
    }

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
    /// Statements of background work sent and not yet taken into a group.
    queued: Arc<AtomicUsize>,
}

impl WriterHandle {
    /// Hands `writes` to the writer and waits until they are durable (or failed);
    /// `on_durable` runs once they are, before their events are published.
    pub async fn commit(
        &self,
        writes: Vec<Write>,
        priority: Priority,
        on_durable: Option<OnDurable>,
    ) -> StoreResult<()> {
        let (done, wait) = oneshot::channel();
        let mut submission = Submission::new(writes, done);
        submission.on_durable = on_durable;
        self.send(submission, priority)
            .map_err(|_| StoreError::Closed)?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    /// Queues background `writes` without waiting.
    pub fn enqueue(&self, writes: Vec<Write>) {
        let (done, _) = oneshot::channel();
        if self
            .send(Submission::new(writes, done), Priority::Background)
            .is_err()
        {
            tracing::warn!("write dropped: the store is closed");
        }
    }

    pub fn send(&self, s: Submission, priority: Priority) -> Result<(), Submission> {
        match priority {
            Priority::Answer => self.answers.send(s).map_err(|e| e.0),
            Priority::Background => {
                let n = s.statements();
                self.queued.fetch_add(n, Ordering::Relaxed);
                self.background.send(s).map_err(|e| {
                    self.queued.fetch_sub(n, Ordering::Relaxed);
                    e.0
                })
            }
        }
    }
}

pub(crate) fn spawn(mut backend: impl GroupCommit) -> std::io::Result<WriterHandle> {
    let (answers, mut answer_rx) = mpsc::unbounded_channel::<Submission>();
    let (background, mut background_rx) = mpsc::unbounded_channel::<Submission>();
    let queued = Arc::new(AtomicUsize::new(0));
    let backlog = queued.clone();
    let run = async move {
        let mut group = Vec::with_capacity(MAX_GROUP);
        // Background work was left queued by the previous group (it hit MAX_BACKGROUND).
        let mut behind = false;
        loop {
            let mut background = 0;
            tokio::select! {
                biased;
                Some(s) = answer_rx.recv() => group.push(s),
                Some(s) = background_rx.recv() => {
                    background += s.statements();
                    group.push(s);
                }
                else => break,
            }
            let answers = if behind { THROTTLED_GROUP } else { MAX_GROUP };
            while group.len() < answers {
                match answer_rx.try_recv() {
                    Ok(s) => group.push(s),
                    Err(_) => break,
                }
            }
            // Everything queued now, so that a task's end (and the release of its claims)
            // waits for one group at most, whatever the stream of answers.
            crate::metrics::queued(backlog.load(Ordering::Relaxed));
            while background < MAX_BACKGROUND {
                match background_rx.try_recv() {
                    Ok(s) => {
                        background += s.statements();
                        group.push(s);
                    }
                    Err(_) => break,
                }
            }
            behind = background >= MAX_BACKGROUND;
            backlog.fetch_sub(background, Ordering::Relaxed);
            match apply_but_refused(&mut backend, &mut group).await {
                Ok(events) => {
                    group.iter_mut().for_each(Submission::made_durable);
                    backend.publish(events);
                    for s in group.drain(..) {
                        let _ = s.done.send(Ok(()));
                    }
                    backend.between_groups().await;
                }
                Err(err) if group.len() == 1 => {
                    if !err.refuses_an_accept() {
                        tracing::error!(%err, "write failed");
                    }
                    if let Some(s) = group.pop() {
                        let _ = s.done.send(Err(err));
                    }
                }
                Err(err) => {
                    if err.refuses_an_accept() {
                        tracing::info!(%err, n = group.len(), "a claim refused an accept; the group goes on one by one");
                    } else {
                        tracing::warn!(%err, n = group.len(), "group commit failed; retrying one by one");
                    }
                    for mut s in group.drain(..) {
                        match backend.apply(std::slice::from_ref(&s)).await {
                            Ok(events) => {
                                s.made_durable();
                                backend.publish(events);
                                let _ = s.done.send(Ok(()));
                            }
                            Err(err) if err.refuses_an_accept() => {
                                let _ = s.done.send(Err(err));
                            }
                            Err(err) => {
                                tracing::error!(%err, "a submission failed on its own and was dropped");
                                let _ = s.done.send(Err(err));
                            }
                        }
                    }
                }
            }
        }
        backend.close().await;
    };
    run_alone(run)?;
    Ok(WriterHandle {
        answers,
        background,
        queued,
    })
}

/// Applies `group`. An accept a claim refuses (`StoreError::Claimed`, or `Deleted`) is answered
/// so and left out, and the others are tried again together, as often as one is refused: a refusal costs
/// its group one more try rather than a commit per submission. Any other failure is returned.
async fn apply_but_refused(
    backend: &mut impl GroupCommit,
    group: &mut Vec<Submission>,
) -> StoreResult<Vec<Event>> {
    loop {
        let err = match backend.apply(group).await {
            Err(err) if err.refuses_an_accept() && group.len() > 1 => err,
            other => return other,
        };
        let (resource, holder) = match &err {
            StoreError::Claimed { resource, task } => (resource, Some(*task)),
            StoreError::Deleted { resource } => (resource, None),
            _ => return Err(err),
        };
        let Some(refused) = group.iter().position(|s| claims(s, resource, holder)) else {
            return Err(err);
        };
        tracing::debug!(%err, "a claim refused an accept; its group goes on without it");
        let _ = group.remove(refused).done.send(Err(err));
    }
}

/// Whether `s` accepts a task, other than `holder`, that runs a step on `resource`.
fn claims(s: &Submission, resource: &str, holder: Option<switchboard_core::TaskId>) -> bool {
    s.writes.iter().any(|w| match w {
        Write::InsertTask { task, steps } => {
            Some(task.id) != holder
                && steps
                    .iter()
                    .any(|st| st.follow_task.is_none() && st.resource_id == resource)
        }
        _ => false,
    })
}

/// Runs the writer on a thread and runtime of its own: each of a group's statements is a
/// round trip to the database's connection, and on the shared runtime every answer to one
/// waited in the queue behind the request handlers, so a group took several times its work.
fn run_alone(run: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || runtime.block_on(run))?;
    Ok(())
}
