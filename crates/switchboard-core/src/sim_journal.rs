//! Where the simulated world keeps its action log when several replicas share it: in the
//! database, as the external system it stands in for would be shared. The driver (which owns the
//! log's format) and the store (which owns the database) meet here.

use tokio::sync::oneshot;

/// Answers once an appended entry is durable, or says why it never will be.
pub type Durable = oneshot::Receiver<Result<(), String>>;

/// The simulated world's action log and snapshot, kept outside the server.
pub trait SimJournal: Send + Sync {
    /// Queues entry `seq`, one JSON line of the log. Entries become durable in the order they
    /// were queued, each only while this replica still leads.
    fn append(&self, seq: u64, line: String) -> Durable;
    /// Queues a compaction: the snapshot `doc` holds every entry up to `seq`, which go.
    fn compact(&self, seq: u64, doc: String);
}

/// What a journal holds: the last snapshot and the entries it does not cover, oldest first.
#[derive(Debug, Default, Clone)]
pub struct JournalContents {
    pub snapshot: Option<String>,
    pub entries: Vec<String>,
}
