//! Compactions while the server runs: the world's snapshot is taken under its lock (each
//! resource's latest actions are shared with it, not copied), then serialised, written, fsynced
//! and renamed on a thread of its own while actions go on being recorded. The entries the
//! snapshot does not cover are then copied to a new log and fsynced, still unlocked; the lock is
//! taken again only to add what was appended meanwhile and rename the new log over the old one
//! (or to empty the log when nothing came after them). A `kill -9` at any point leaves either
//! the old log whole (the snapshot names the last entry it covers, so replay skips those) or
//! the new one.

use super::snapshot::{self, Snapshot};
use super::world::{Log, World, LOG};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard, Weak};
use std::time::Instant;
use switchboard_core::sim_journal::SimJournal;

const NEW_LOG: &str = "actions.jsonl.tmp";

/// Starts a compaction of `world` (locked by the caller) in the background.
pub(super) fn start(world: &mut World, shared: Weak<Mutex<World>>) {
    let started = Instant::now();
    let copy = Snapshot::of(world);
    let covered_bytes = world.log_bytes;
    let dir = world.dir().to_path_buf();
    let copied = started.elapsed();
    let spawned = std::thread::Builder::new()
        .name("sim-compaction".into())
        .spawn(move || {
            let written = snapshot::write(&dir, &copy);
            drop(copy);
            if written.is_ok() {
                snapshot::crash_window();
            }
            // A driver dropped meanwhile: its log stays whole, which the snapshot covers.
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let done = written.and_then(|bytes| Ok((bytes, drop_covered(&shared, covered_bytes)?)));
            let mut world = lock(&shared);
            match done {
                Ok((bytes, kept)) => {
                    tracing::info!(
                        log_bytes = covered_bytes,
                        snapshot_bytes = bytes,
                        kept_bytes = kept,
                        locked = ?copied,
                        took = ?started.elapsed(),
                        "simulated world's action log compacted"
                    );
                    world.snapshot_bytes = bytes;
                }
                Err(err) => {
                    tracing::warn!(%err, "compacting the simulated world's action log failed");
                    // Not before the log has grown by as much again.
                    world.snapshot_bytes = world.log_bytes;
                }
            }
        });
    match spawned {
        Ok(handle) => world.compaction = Some(handle),
        Err(err) => {
            tracing::warn!(%err, "cannot start compacting the simulated world's action log");
            world.snapshot_bytes = world.log_bytes;
        }
    }
}

/// Starts a compaction of a world kept in a journal: the snapshot is taken under the lock and
/// serialised on a thread of its own; the journal then replaces the entries it covers by it,
/// in order after them.
pub(super) fn start_journal(world: &mut World, journal: Arc<dyn SimJournal>) {
    let copy = Snapshot::of(world);
    let seq = world.seq;
    let log_bytes = world.log_bytes;
    let spawned = std::thread::Builder::new()
        .name("sim-compaction".into())
        .spawn(move || match serde_json::to_string(&copy) {
            Ok(doc) => {
                tracing::info!(
                    log_bytes,
                    snapshot_bytes = doc.len(),
                    "compacting the simulated world's journal"
                );
                journal.compact(seq, doc);
            }
            Err(err) => tracing::warn!(%err, "cannot write the simulated world's snapshot"),
        });
    match spawned {
        Ok(handle) => world.compaction = Some(handle),
        Err(err) => tracing::warn!(%err, "cannot start compacting the simulated world's journal"),
    }
    // The journal's entries after the snapshot are what is left to replay.
    world.snapshot_bytes = log_bytes;
    world.log_bytes = 0;
}

fn lock(shared: &Mutex<World>) -> MutexGuard<'_, World> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops the log's first `covered` bytes (what the snapshot holds); the bytes left. What was
/// appended by now is copied and fsynced without the lock (no one else replaces the log while
/// a compaction runs, and the count only ever covers whole lines); under it, only what came
/// after, then the rename. The directory's fsync follows, unlocked again.
fn drop_covered(shared: &Mutex<World>, covered: u64) -> std::io::Result<u64> {
    let (dir, appended) = {
        let world = lock(shared);
        (world.dir().to_path_buf(), world.log_bytes)
    };
    if appended == covered {
        let world = lock(shared);
        if world.log_bytes == covered {
            snapshot::empty_log(&world)?;
            drop(world);
            return Ok(0);
        }
    }
    let mut old = std::fs::File::open(dir.join(LOG))?;
    let mut new = crate::private::file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(NEW_LOG))?;
    copy_range(&mut old, &mut new, covered, appended)?;
    new.sync_all()?;
    let kept = {
        let mut world = lock(shared);
        // As unsynced as these entries were in the old log.
        copy_range(&mut old, &mut new, appended, world.log_bytes)?;
        std::fs::rename(dir.join(NEW_LOG), dir.join(LOG))?;
        world.log = Log::File(
            crate::private::file_options()
                .create(true)
                .append(true)
                .open(dir.join(LOG))?,
        );
        world.log_bytes -= covered;
        world.log_bytes
    };
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(kept)
}

/// Appends bytes `from..to` of `old` to `new`.
fn copy_range(
    old: &mut std::fs::File,
    new: &mut std::fs::File,
    from: u64,
    to: u64,
) -> std::io::Result<()> {
    old.seek(SeekFrom::Start(from))?;
    let copied = std::io::copy(&mut old.take(to - from), new)?;
    if copied != to - from {
        return Err(std::io::Error::other(
            "the action log is shorter than counted",
        ));
    }
    Ok(())
}

/// Waits for the compaction in flight, if any (a driver being dropped).
pub(super) fn wait(shared: &Mutex<World>) {
    let handle = shared
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .compaction
        .take();
    if let Some(handle) = handle {
        let _ = handle.join();
    }
}
