//! A world kept in a journal that several replicas write (the database's): every replica
//! applies the same sequence of entries, numbered by the journal in commit order, its own
//! included once they are durable. So the world in memory is always the journal's replay up to
//! its position (`World::seq`), whichever replica performed what, and a snapshot of it covers
//! exactly the entries up to there.
//!
//! A replica's own action is decided on its world as it is, then applied with the journal's
//! answer; meanwhile it is pending (an action on the same resource is refused or recognised,
//! and its fault rule counts). The others' entries are applied as the answers bring them, as
//! the follower reads them (every [`FOLLOW_EVERY`]), and as a task starts running here
//! (`Driver::catch_up`): the previous replica to act on its resources (its claim since
//! released, or its task taken over) has its entries durable by then. Releases of `manual`
//! actions apply at once too (applying one again changes nothing).

use super::entry::LogEntry;
use super::snapshot;
use super::world::{Log, SimResource, World};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use switchboard_core::sim_journal::{Following, JournalContents, Numbered, SimJournal};

/// How often a world kept in a journal reads what the other replicas appended.
pub(super) const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// An action of this replica's, decided, not yet in the journal's answer.
pub(super) struct Pending {
    pub op: String,
    pub rule: Option<String>,
}

impl World {
    /// Opens the world a journal holds: its snapshot, then the entries after it.
    pub fn open_journal(
        journal: Arc<dyn SimJournal>,
        contents: JournalContents,
        compact_after: u64,
    ) -> std::io::Result<World> {
        let mut world = World::empty(Log::Journal(journal), Default::default(), 0, compact_after);
        world.load(contents)?;
        Ok(world)
    }

    /// Replaces what the world holds by the journal's contents (a replica that fell behind a
    /// compaction). What was registered here stays: the resources no entry names, and each
    /// resource's initial state (the snapshot does not keep it).
    pub(super) fn load(&mut self, contents: JournalContents) -> std::io::Result<()> {
        let registered = std::mem::take(&mut self.resources);
        self.rule_uses.clear();
        self.seq = 0;
        self.log_bytes = 0;
        if let Some(doc) = contents.snapshot {
            let snapshot: snapshot::Snapshot =
                serde_json::from_str(&doc).map_err(std::io::Error::other)?;
            self.snapshot_bytes = doc.len() as u64;
            snapshot.restore(self);
        }
        let covered = self.seq;
        let after = contents
            .entries
            .into_iter()
            .filter(|(seq, _)| *seq > covered);
        for (seq, line) in after {
            self.apply_line(seq, &line)?;
        }
        for (id, r) in registered {
            let loaded = self.resources.entry(id);
            loaded
                .and_modify(|l| l.initial = r.initial)
                .or_insert_with(|| SimResource::new(r.initial, r.seen_ms));
        }
        Ok(())
    }

    /// Applies the journal's entries after the world's position, in order. False when one is
    /// missing before them (compacted away): the world must be loaded again.
    pub(super) fn apply_numbered(&mut self, entries: &[Numbered]) -> std::io::Result<bool> {
        for (seq, line) in entries {
            if *seq <= self.seq {
                continue;
            }
            if *seq != self.seq + 1 {
                return Ok(false);
            }
            self.apply_line(*seq, line)?;
        }
        self.compact_if_due();
        Ok(true)
    }

    fn apply_line(&mut self, seq: u64, line: &str) -> std::io::Result<()> {
        let mut entry: LogEntry = serde_json::from_str(line).map_err(std::io::Error::other)?;
        entry.seq = seq;
        self.log_bytes += line.len() as u64 + 1;
        self.apply(entry);
        // An entry's number may be ahead of the position a snapshot restored.
        self.seq = seq;
        Ok(())
    }

    /// The journal, for a world kept in one.
    pub(super) fn journal(&self) -> Option<Arc<dyn SimJournal>> {
        match &self.log {
            Log::Journal(journal) => Some(journal.clone()),
            Log::File(_) => None,
        }
    }

    /// How often rule `id` shaped an action, this replica's pending ones included.
    pub(super) fn rule_used(&self, id: &str) -> u64 {
        let pending = self.pending.values();
        let pending = pending.filter(|p| p.rule.as_deref() == Some(id)).count();
        self.rule_uses.get(id).copied().unwrap_or(0) + pending as u64
    }
}

/// Reads of the journal, shared by every caller that wants the world caught up: one that
/// started after a caller asked serves it.
#[derive(Default)]
pub(super) struct Follow {
    started: AtomicU64,
    /// The number of the last read applied.
    applied: tokio::sync::Mutex<u64>,
}

fn lock(world: &Mutex<World>) -> std::sync::MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|p| p.into_inner())
}

/// Applies what the journal holds now (as of some moment after the call), loading the world
/// again if it fell behind a compaction. At once for a world kept in files.
pub(super) async fn catch_up(world: &Mutex<World>, follow: &Follow) -> std::io::Result<()> {
    let Some(journal) = lock(world).journal() else {
        return Ok(());
    };
    let asked = follow.started.load(Ordering::SeqCst);
    let mut applied = follow.applied.lock().await;
    if *applied > asked {
        return Ok(());
    }
    let read = follow.started.fetch_add(1, Ordering::SeqCst) + 1;
    loop {
        let after = lock(world).seq;
        let following = journal
            .read_after(after)
            .await
            .map_err(|_| std::io::Error::other("the journal stopped"))?
            .map_err(std::io::Error::other)?;
        match following {
            Following::Entries(entries) => {
                let whole = lock(world).apply_numbered(&entries)?;
                if whole && entries.len() < switchboard_core::sim_journal::PAGE {
                    break;
                }
            }
            Following::Reopen(contents) => {
                tracing::warn!("the simulated world fell behind its journal's compaction");
                lock(world).load(contents)?;
                break;
            }
        }
    }
    *applied = read;
    Ok(())
}

/// Applies a journal's answer to an append: the entries up to the appended one.
pub(super) async fn apply_answer(
    world: &Mutex<World>,
    follow: &Follow,
    answer: &[Numbered],
) -> std::io::Result<()> {
    if lock(world).apply_numbered(answer)? {
        return Ok(());
    }
    catch_up(world, follow).await
}

/// Follows the journal while the world lives.
pub(super) fn spawn(world: Weak<Mutex<World>>, follow: Arc<Follow>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            let Some(world) = world.upgrade() else {
                return;
            };
            if let Err(err) = catch_up(&world, &follow).await {
                tracing::warn!(%err, "cannot follow the simulated world's journal");
            }
        }
    });
}

/// The pending actions of a world, by resource.
pub(super) type PendingActions = HashMap<String, Pending>;
