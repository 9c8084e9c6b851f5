//! Argon2id work on a fixed pool of threads fed by a bounded queue.
//!
//! One check holds 19 MiB while it runs, and glibc keeps freed buffers in the arena of the thread
//! that used them. Running every check on the same few dedicated threads bounds both the memory
//! in use (one buffer per worker) and the memory kept (one arena per worker); the queue bounds
//! how many requests may wait, and beyond it callers are told to come back later. Each worker
//! also reuses one Argon2 buffer for all its jobs (`scratch`), so the allocator is not asked for
//! 19 MiB per check at all.

use crate::scratch::Scratch;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::oneshot;

/// The pool is full: every worker is busy and the queue is at its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is busy; retry later")]
pub struct Busy;

/// Why a new hash could not be made.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Failed(#[from] crate::IdentityError),
}

enum Job {
    Verify {
        password: String,
        phc: Option<String>,
        reply: oneshot::Sender<bool>,
    },
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, crate::IdentityError>>,
    },
}

struct Shared {
    queue: SyncSender<Job>,
    /// Checked against when the user does not exist, so that costs as much as a real check
    /// (made by the first worker that needs it).
    dummy: OnceLock<String>,
    done: AtomicU64,
}

/// A handle to the pool; clones share it. The workers end when the last handle is dropped.
#[derive(Clone)]
pub struct Hasher {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("done", &self.completed())
            .finish()
    }
}

impl Hasher {
    /// Starts `workers` threads (at least one) behind a queue of `queue` waiting jobs.
    pub fn new(workers: usize, queue: usize) -> Result<Self, crate::IdentityError> {
        let (tx, rx) = sync_channel(queue);
        let shared = Arc::new(Shared {
            queue: tx,
            dummy: OnceLock::new(),
            done: AtomicU64::new(0),
        });
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let (rx, shared) = (rx.clone(), Arc::downgrade(&shared));
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&rx, &shared))
                .map_err(|e| crate::IdentityError::Hash(format!("cannot start a worker: {e}")))?;
        }
        Ok(Hasher { shared })
    }

    /// Whether `password` matches the stored PHC string. With `None` (no such user) a dummy hash
    /// is checked instead, so the answer takes as long; it is then always false.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, Busy> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password,
            phc,
            reply,
        })?;
        Ok(answer.await.unwrap_or(false))
    }

    /// A new Argon2id PHC string for `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password, reply })?;
        answer
            .await
            .map_err(|_| {
                HashError::Failed(crate::IdentityError::Hash("the worker stopped".into()))
            })?
            .map_err(HashError::Failed)
    }

    /// Jobs the workers have finished (verifications of unknown users included).
    pub fn completed(&self) -> u64 {
        self.shared.done.load(Ordering::Relaxed)
    }

    fn submit(&self, job: Job) -> Result<(), Busy> {
        self.shared.queue.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) | TrySendError::Disconnected(_) => Busy,
        })
    }
}

fn work(rx: &Mutex<Receiver<Job>>, shared: &std::sync::Weak<Shared>) {
    let mut scratch = Scratch::default();
    loop {
        // The lock is only held while waiting for the next job, never during a hash.
        let job = match rx.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match job {
            Job::Verify {
                password,
                phc,
                reply,
            } => {
                let ok = match &phc {
                    Some(phc) => scratch.verify(&password, phc),
                    None => {
                        let dummy = shared.dummy.get_or_init(|| {
                            scratch.hash(&crate::random_hex(16)).unwrap_or_default()
                        });
                        scratch.verify(&password, dummy);
                        false
                    }
                };
                shared.done.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(ok);
            }
            Job::Hash { password, reply } => {
                let hashed = scratch.hash(&password);
                shared.done.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(hashed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_cost_a_check() {
        let pool = Hasher::new(2, 4).unwrap();
        let phc = pool.hash("s3cret-pass".into()).await.unwrap();
        assert!(pool
            .verify("s3cret-pass".into(), Some(phc.clone()))
            .await
            .unwrap());
        assert!(!pool.verify("wrong".into(), Some(phc)).await.unwrap());
        assert!(!pool.verify("s3cret-pass".into(), None).await.unwrap());
        assert_eq!(pool.completed(), 4, "the unknown user's check ran too");
    }

    #[tokio::test]
    async fn beyond_the_workers_and_the_queue_callers_are_told_busy() {
        let pool = Hasher::new(1, 1).unwrap();
        let phc = crate::hash_password("x").unwrap();
        // `join_all` submits all eight on its first poll, faster than one check takes.
        let attempts = (0..8).map(|_| pool.verify("y".into(), Some(phc.clone())));
        let answers = futures::future::join_all(attempts).await;
        let busy = answers.iter().filter(|a| **a == Err(Busy)).count();
        assert!(busy >= 5, "one running and one queued at most: {answers:?}");
        assert!(answers.contains(&Ok(false)));
    }
}
