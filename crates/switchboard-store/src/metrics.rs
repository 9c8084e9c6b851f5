//! Prometheus series of the group-committing writer: how long a transaction takes and how many
//! submissions it carries. Recorded through the `metrics` facade (nothing without a recorder).

use std::time::Instant;

const COMMIT_DURATION: &str = "switchboard_store_commit_duration_seconds";
const GROUP_SIZE: &str = "switchboard_store_commit_group_size";
const QUEUED: &str = "switchboard_store_queued_writes";
const CHECKPOINT_DURATION: &str = "switchboard_store_checkpoint_duration_seconds";
const LEADING: &str = "switchboard_replica_leading";
const LEASE_TOKEN: &str = "switchboard_serving_lease_token";

/// Describes the store's series (`# HELP` lines); call once the recorder is installed.
pub fn describe() {
    metrics::describe_histogram!(
        COMMIT_DURATION,
        metrics::Unit::Seconds,
        "Time one group commit took, from BEGIN to the end of COMMIT (fsync included)"
    );
    metrics::describe_histogram!(
        GROUP_SIZE,
        metrics::Unit::Count,
        "Submissions folded into one committed transaction"
    );
    metrics::describe_histogram!(
        CHECKPOINT_DURATION,
        metrics::Unit::Seconds,
        "Time a WAL checkpoint the writer ran between group commits took (no commit meanwhile)"
    );
    metrics::describe_gauge!(
        LEADING,
        metrics::Unit::Count,
        "1 while this replica holds the database's serving lease, 0 while it stands by or after \
         it lost the lease (PostgreSQL only)"
    );
    metrics::describe_gauge!(
        LEASE_TOKEN,
        metrics::Unit::Count,
        "The serving lease's fencing token this replica took (raised at each takeover)"
    );
    metrics::describe_gauge!(
        QUEUED,
        metrics::Unit::Count,
        "Statements of background work (step progress, task ends) queued for the writer when \
         it last formed a group"
    );
}

/// The writer found `statements` of background work queued as it formed a group.
pub(crate) fn queued(statements: usize) {
    metrics::gauge!(QUEUED).set(statements as f64);
}

/// A transaction of `submissions` committed; it began at `started`.
pub(crate) fn committed(submissions: usize, started: Instant) {
    metrics::histogram!(COMMIT_DURATION).record(started.elapsed().as_secs_f64());
    metrics::histogram!(GROUP_SIZE).record(submissions as f64);
}

/// A WAL checkpoint between groups, begun at `started`, is over.
pub(crate) fn checkpointed(started: Instant) {
    metrics::histogram!(CHECKPOINT_DURATION).record(started.elapsed().as_secs_f64());
}

/// This replica leads under `token` (`Some`), or does not lead (`None`).
pub(crate) fn leading(token: Option<i64>) {
    metrics::gauge!(LEADING).set(if token.is_some() { 1.0 } else { 0.0 });
    if let Some(token) = token {
        metrics::gauge!(LEASE_TOKEN).set(token as f64);
    }
}
