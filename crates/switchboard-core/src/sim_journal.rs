//! Where the simulated world keeps its action log when several replicas share it: in the
//! database, as the external system it stands in for would be shared. The driver (which owns the
//! log's format) and the store (which owns the database) meet here.
//!
//! Entries are numbered by the journal in the order they commit, whichever replica wrote them
//! (as events are), so every replica's world is the same replay of one sequence: each applies
//! the entries in that order, its own included, once they are durable.

use std::sync::Arc;
use tokio::sync::oneshot;

/// One entry of the journal: its number there, and its JSON line.
pub type Numbered = (u64, String);

/// Answers once an appended entry is durable, with the journal's entries after the position its
/// appender gave up to and including its own, in order; or says why it never will be.
pub type Durable = oneshot::Receiver<Result<Arc<Vec<Numbered>>, String>>;

/// Answers what the journal holds after a position.
pub type Followed = oneshot::Receiver<Result<Following, String>>;

/// What the journal holds after a position.
#[derive(Debug)]
pub enum Following {
    /// The entries after it, oldest first (at most a bounded number: ask again from the last).
    Entries(Vec<Numbered>),
    /// Some entries after it were compacted away: the whole journal, to reopen the world from.
    Reopen(JournalContents),
}

/// The simulated world's action log and snapshot, kept outside the server.
pub trait SimJournal: Send + Sync {
    /// Queues one JSON line of the log, to be numbered after every entry committed before it.
    /// `after` is the last entry the appender's world has applied: the answer starts past it.
    /// Entries become durable in the order they were queued, each only while this replica's
    /// writer is not fenced off.
    fn append(&self, after: u64, line: String) -> Durable;
    /// Queues a compaction: the snapshot `doc` holds every entry up to `seq`.
    fn compact(&self, seq: u64, doc: String);
    /// Reads what the journal holds after entry `after`.
    fn read_after(&self, after: u64) -> Followed;
}

/// What a journal holds: the last snapshot and the entries it does not cover, oldest first.
#[derive(Debug, Default, Clone)]
pub struct JournalContents {
    pub snapshot: Option<String>,
    pub entries: Vec<Numbered>,
}

/// Entries one read returns at most ([`Following::Entries`]).
pub const PAGE: usize = 10_000;
