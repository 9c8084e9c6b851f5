//! Compactions while the server runs: the world's snapshot is copied under its lock (a copy
//! of each resource's few latest actions), then serialised, written, fsynced and renamed on a
//! thread of its own while actions go on being recorded. The lock is taken again only to drop
//! the entries the snapshot covers from the log: the log is emptied when nothing came after
//! them, else the entries after them are written to a new log that is renamed over the old
//! one. A `kill -9` at any point leaves either the old log whole (the snapshot names the last
//! entry it covers, so replay skips those) or the new one.

use super::snapshot::{self, Snapshot};
use super::world::{World, LOG};
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Mutex, Weak};
use std::time::Instant;

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
            let mut world = shared.lock().unwrap_or_else(|p| p.into_inner());
            let done =
                written.and_then(|bytes| Ok((bytes, drop_covered(&mut world, covered_bytes)?)));
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
                    world.log_bytes = kept;
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

/// Drops the log's first `covered` bytes (what the snapshot holds); the bytes left.
fn drop_covered(world: &mut World, covered: u64) -> std::io::Result<u64> {
    let kept = world.log_bytes - covered;
    if kept == 0 {
        snapshot::empty_log(world)?;
        return Ok(0);
    }
    let dir = world.dir().to_path_buf();
    let mut tail = Vec::with_capacity(kept as usize);
    let mut old = std::fs::File::open(dir.join(LOG))?;
    old.seek(SeekFrom::Start(covered))?;
    old.read_to_end(&mut tail)?;
    let mut new = crate::private::file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(NEW_LOG))?;
    new.write_all(&tail)?;
    new.sync_all()?;
    std::fs::rename(dir.join(NEW_LOG), dir.join(LOG))?;
    std::fs::File::open(&dir)?.sync_all()?;
    world.log = crate::private::file_options()
        .create(true)
        .append(true)
        .open(dir.join(LOG))?;
    Ok(tail.len() as u64)
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
