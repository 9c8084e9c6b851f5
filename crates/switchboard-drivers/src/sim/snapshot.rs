//! Compaction of the simulated world's action log: the world's state is written to
//! `world.json` (atomically: a temporary file, fsynced, renamed over the old one), then the log
//! is emptied. The snapshot names the last entry it covers (`seq`); entries up to it still in the
//! log (a server killed between the rename and the truncation) are skipped on replay, so a
//! `kill -9` at any point loses and doubles nothing.

use super::entry::{LogEntry, Performed};
use super::world::{SimResource, World, HISTORY};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use switchboard_core::{Lifecycle, Millis};

/// The snapshot's file name in the world's directory.
const SNAPSHOT: &str = "world.json";
const TEMPORARY: &str = "world.json.tmp";

#[derive(Serialize, Deserialize)]
pub(super) struct Snapshot {
    /// The last log entry folded in.
    seq: u64,
    rule_uses: HashMap<String, u64>,
    resources: Vec<Resource>,
}

#[derive(Serialize, Deserialize)]
struct Resource {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base: Option<(Lifecycle, Option<String>)>,
    seen_ms: Millis,
    /// Entries without their resource, oldest first: the world's own, shared.
    #[serde(default, serialize_with = "shared", deserialize_with = "owned")]
    history: Arc<VecDeque<LogEntry>>,
    /// Whether the newest entry of `history` is still the resource's last action (a reset
    /// after it clears that).
    #[serde(default)]
    last: bool,
    #[serde(default)]
    performed: Performed,
}

fn shared<S: Serializer>(history: &Arc<VecDeque<LogEntry>>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(history.iter())
}

fn owned<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<VecDeque<LogEntry>>, D::Error> {
    VecDeque::deserialize(d).map(Arc::new)
}

/// Only the covered sequence number, read without building the rest.
#[derive(Deserialize)]
struct Covered {
    seq: u64,
}

#[derive(Deserialize)]
struct Counts {
    seq: u64,
    resources: Vec<CountsOf>,
}

#[derive(Deserialize)]
struct CountsOf {
    id: String,
    #[serde(default)]
    performed: Performed,
}

impl Snapshot {
    /// A copy of the world's state (taken under its lock).
    pub(super) fn of(world: &World) -> Snapshot {
        let resources = world.resources.iter().map(|(id, r)| {
            // Entries in the world have no resource already.
            let last = r.last().is_some();
            Resource {
                id: id.clone(),
                base: r.base.clone(),
                seen_ms: r.seen_ms,
                history: r.history.clone(),
                last,
                performed: r.performed,
            }
        });
        Snapshot {
            seq: world.seq,
            rule_uses: world.rule_uses.clone(),
            resources: resources.collect(),
        }
    }

    /// Puts the snapshot's state into an empty world.
    pub fn restore(self, world: &mut World) {
        world.seq = self.seq;
        world.rule_uses = self.rule_uses;
        world.resources.reserve(self.resources.len());
        for r in self.resources {
            let mut resource = SimResource::new(Lifecycle::Stopped, r.seen_ms);
            resource.base = r.base;
            resource.performed = r.performed;
            let skip = r.history.len().saturating_sub(HISTORY);
            let history = Arc::make_mut(&mut resource.history);
            for mut e in Arc::unwrap_or_clone(r.history).into_iter().skip(skip) {
                e.resource = String::new();
                history.push_back(e);
            }
            resource.current = r.last && !resource.history.is_empty();
            world.resources.insert(r.id, resource);
        }
    }
}

/// The snapshot in `dir` and its size, if there is one.
pub(super) fn read(dir: &Path) -> std::io::Result<Option<(Snapshot, u64)>> {
    let Some(bytes) = read_file(dir)? else {
        return Ok(None);
    };
    let snapshot = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
    Ok(Some((snapshot, bytes.len() as u64)))
}

/// The last log entry the snapshot in `dir` covers (0 without one).
pub(super) fn covered(dir: &Path) -> std::io::Result<u64> {
    let Some(bytes) = read_file(dir)? else {
        return Ok(0);
    };
    let c: Covered = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
    Ok(c.seq)
}

/// The snapshot's counts of performed actions and the last entry it covers.
pub(super) fn counts(dir: &Path) -> std::io::Result<(HashMap<String, Performed>, u64)> {
    let Some(bytes) = read_file(dir)? else {
        return Ok((HashMap::new(), 0));
    };
    let c: Counts = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
    let counts = c.resources.into_iter().map(|r| (r.id, r.performed));
    Ok((counts.collect(), c.seq))
}

fn read_file(dir: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match std::fs::read(dir.join(SNAPSHOT)) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes the world's snapshot and empties its log; the snapshot's size.
pub(super) fn compact(world: &World) -> std::io::Result<u64> {
    let bytes = write_snapshot(world)?;
    crash_window();
    empty_log(world)?;
    Ok(bytes)
}

/// The first half of a compaction: the snapshot is in place, the log still whole.
pub(super) fn write_snapshot(world: &World) -> std::io::Result<u64> {
    write(world.dir(), &Snapshot::of(world))
}

/// Writes `snapshot` atomically into `dir`; its size.
pub(super) fn write(dir: &Path, snapshot: &Snapshot) -> std::io::Result<u64> {
    let temporary = dir.join(TEMPORARY);
    let file = crate::private::file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temporary)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    serde_json::to_writer(&mut out, snapshot).map_err(std::io::Error::other)?;
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    let bytes = file.metadata()?.len();
    crash_window();
    std::fs::rename(&temporary, dir.join(SNAPSHOT))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(bytes)
}

/// The second half: the log's entries are all in the snapshot now.
pub(super) fn empty_log(world: &World) -> std::io::Result<()> {
    let log = world.log_file()?;
    log.set_len(0)?;
    log.sync_all()
}

/// Debug builds only: `SWITCHBOARD_TEST_SIM_COMPACT_PAUSE_MS` holds a compaction before its
/// rename and before its truncation, so a test can `kill -9` the server inside each.
pub(super) fn crash_window() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("SWITCHBOARD_TEST_SIM_COMPACT_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}
