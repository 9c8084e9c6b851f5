//! The simulated world's state. It is nothing but a replay of its snapshot and the action log
//! after it, so it outlives the server exactly like a real external system would, and the log
//! (with the snapshot's counts) proves what was performed.

use super::entry::{LogEntry, Outcome, Performed};
use super::snapshot;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_core::sim_journal::{Durable, Numbered, SimJournal};
use switchboard_core::{Lifecycle, Millis};

#[derive(Debug, Clone)]
pub(crate) struct SimResource {
    pub initial: Lifecycle,
    /// Set by a reset: the state before any later action, instead of `initial`.
    pub base: Option<(Lifecycle, Option<String>)>,
    /// Whether the newest entry of `history` is still the last action (a reset clears it).
    pub current: bool,
    /// The latest actions, oldest first (at most `HISTORY`), for the console log and to
    /// recognise an operation performed already. Entries leave out their resource (the
    /// world's key): at 100,000 resources that is 800,000 strings fewer. Shared with the
    /// snapshot a compaction is writing, which copies none of them under the world's lock: an
    /// action meanwhile copies its resource's few (`Arc::make_mut`).
    pub history: Arc<VecDeque<LogEntry>>,
    /// When this server first saw the resource (its console's first boot, if it was running).
    pub seen_ms: Millis,
    /// Actions performed on the resource ever, by kind (kept through compaction).
    pub performed: Performed,
}

/// Actions per resource kept for the simulated console log. An operation is only ever
/// performed again (after a restart) as the latest attempt of a step whose task still holds the
/// resource, so recognising it among the latest actions is enough: no other action on the
/// resource can come between.
pub(crate) const HISTORY: usize = 8;

impl SimResource {
    pub fn new(initial: Lifecycle, seen_ms: Millis) -> SimResource {
        SimResource {
            initial,
            base: None,
            current: false,
            history: Default::default(),
            seen_ms,
            performed: Performed::default(),
        }
    }

    /// The last action since the resource's last reset (its entry has no resource).
    pub fn last(&self) -> Option<&LogEntry> {
        self.history.back().filter(|_| self.current)
    }

    /// The state at `now`, with the failure message if the last action failed.
    pub fn state_at(&self, now: Millis) -> (Lifecycle, Option<String>) {
        match self.last() {
            None => self.base.clone().unwrap_or((self.initial, None)),
            Some(t) if now < t.until_ms || t.outcome == Outcome::Hang => {
                (t.action.pending_state(), None)
            }
            Some(t) => match &t.outcome {
                Outcome::Fail(msg) => (t.action.failed_state(), Some(msg.clone())),
                _ => (t.action.target_state(), None),
            },
        }
    }
}

pub(crate) struct World {
    /// Looked up several times per step: a fast hasher, seeded per world.
    pub resources: HashMap<String, SimResource, foldhash::fast::RandomState>,
    /// How often each fault rule shaped an action, by rule id.
    pub rule_uses: HashMap<String, u64>,
    pub seq: u64,
    pub(super) log: Log,
    dir: PathBuf,
    /// Bytes in the log: past the larger of this and `compact_after`, it is compacted.
    pub(super) log_bytes: u64,
    pub(super) snapshot_bytes: u64,
    compact_after: u64,
    /// The world's own lock once a driver shares it: compactions then write their snapshot
    /// on a thread of their own, outside the lock (`compactor`).
    pub(super) shared: Option<std::sync::Weak<std::sync::Mutex<World>>>,
    /// The compaction writing in the background, if any.
    pub(super) compaction: Option<std::thread::JoinHandle<()>>,
    /// This replica's actions not yet in the journal's answer, by resource (a world kept in a
    /// journal: `super::journal`).
    pub(super) pending: super::journal::PendingActions,
}

/// Where the world's entries go.
pub(super) enum Log {
    /// `actions.jsonl` in the world's directory, compacted into `world.json` beside it.
    File(std::fs::File),
    /// A journal shared by replicas (the database), compacted into its snapshot.
    Journal(Arc<dyn SimJournal>),
}

impl World {
    pub(super) fn empty(log: Log, dir: PathBuf, log_bytes: u64, compact_after: u64) -> World {
        World {
            resources: HashMap::default(),
            rule_uses: HashMap::new(),
            seq: 0,
            log,
            dir,
            log_bytes,
            snapshot_bytes: 0,
            compact_after,
            shared: None,
            compaction: None,
            pending: Default::default(),
        }
    }

    /// Opens the world kept in `dir`: its snapshot, then the log's entries after it. A log
    /// past `compact_after` bytes (and past the snapshot's size) is compacted.
    pub fn open(dir: &Path, compact_after: u64) -> std::io::Result<World> {
        crate::private::create_dir(dir)?;
        let path = dir.join(LOG);
        let log = crate::private::file_options()
            .create(true)
            .append(true)
            .open(&path)?;
        let log_bytes = log.metadata()?.len();
        let mut world = World::empty(Log::File(log), dir.to_path_buf(), log_bytes, compact_after);
        if let Some((snapshot, bytes)) = snapshot::read(dir)? {
            world.snapshot_bytes = bytes;
            snapshot.restore(&mut world);
        }
        let covered = world.seq;
        for entry in read_entries(dir)? {
            if entry.seq > covered {
                world.apply(entry);
            }
        }
        world.compact_if_due();
        Ok(world)
    }

    /// Whether the resource's latest actions include the operation `op`.
    pub fn performed_op(&self, resource: &str, op: &str) -> bool {
        self.resources
            .get(resource)
            .is_some_and(|r| r.history.iter().any(|e| e.op == op))
    }

    pub(super) fn apply(&mut self, mut entry: LogEntry) {
        self.seq = self.seq.max(entry.seq);
        if entry.release {
            if let Some(r) = self.resources.get_mut(&entry.resource) {
                if r.history.back().is_some_and(|t| t.op == entry.op) {
                    if let Some(t) = Arc::make_mut(&mut r.history).back_mut() {
                        t.until_ms = entry.until_ms;
                    }
                }
            }
            return;
        }
        let rule = entry
            .rule
            .clone()
            .or(entry.fault.map(super::config_rule_id));
        if let Some(id) = rule {
            *self.rule_uses.entry(id).or_default() += 1;
        }
        let r = self
            .resources
            .entry(std::mem::take(&mut entry.resource))
            .or_insert_with(|| SimResource::new(Lifecycle::Stopped, entry.at_ms));
        if let Some(state) = entry.reset {
            let detail = match entry.outcome {
                Outcome::Fail(message) => Some(message),
                _ => None,
            };
            r.base = Some((state, detail));
            r.current = false;
            return;
        }
        r.performed.add(entry.action);
        let history = Arc::make_mut(&mut r.history);
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(entry);
        r.current = true;
    }

    /// Writes the entry to the log (one `write`, so a killed server leaves whole lines) and
    /// applies it, then compacts the log if it has grown past its bound. Or queues it on the
    /// journal, whose answer says once in that it is durable, and brings it numbered with those
    /// before it, to apply ([`super::journal`]; a release applies at once too).
    pub fn record(&mut self, mut entry: LogEntry) -> std::io::Result<Option<Durable>> {
        if let Log::Journal(journal) = &self.log {
            // The journal numbers it.
            entry.seq = 0;
            let line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
            let durable = journal.append(self.seq, line);
            if entry.release {
                self.apply(entry);
            }
            return Ok(Some(durable));
        }
        let mut line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        self.log_bytes += line.len() as u64 + 1;
        line.push('\n');
        let mut file = self.log_file()?;
        file.write_all(line.as_bytes())?;
        self.apply(entry);
        self.compact_if_due();
        Ok(None)
    }

    /// Compacts once the log is larger than both the bound and the snapshot, so the work of
    /// compacting is paid for by at least as many bytes of log. A failed compaction leaves the
    /// log as it was (whole and still appended to) and is tried again later.
    pub(super) fn compact_if_due(&mut self) {
        if self.log_bytes <= self.compact_after.max(self.snapshot_bytes) {
            return;
        }
        if self.compaction.as_ref().is_some_and(|c| !c.is_finished()) {
            return;
        }
        if let Log::Journal(journal) = &self.log {
            return super::compactor::start_journal(self, journal.clone());
        }
        if let Some(shared) = self.shared.clone() {
            return super::compactor::start(self, shared);
        }
        let started = std::time::Instant::now();
        match snapshot::compact(self) {
            Ok(bytes) => {
                tracing::info!(
                    log_bytes = self.log_bytes,
                    snapshot_bytes = bytes,
                    took = ?started.elapsed(),
                    "simulated world's action log compacted"
                );
                self.snapshot_bytes = bytes;
                self.log_bytes = 0;
            }
            Err(err) => {
                tracing::warn!(%err, "compacting the simulated world's action log failed");
                // Not before the log has grown by as much again.
                self.snapshot_bytes = self.log_bytes;
            }
        }
    }

    /// The log file (a world kept in files: only those are compacted through it).
    pub(super) fn log_file(&self) -> std::io::Result<&std::fs::File> {
        match &self.log {
            Log::File(file) => Ok(file),
            Log::Journal(_) => Err(std::io::Error::other("the world is kept in a journal")),
        }
    }

    /// Waits until an entry recorded in a journal is durable; the journal's answer (none for a
    /// log file, which a killed server leaves whole).
    pub async fn durable(durable: Option<Durable>) -> std::io::Result<Option<Arc<Vec<Numbered>>>> {
        let Some(durable) = durable else {
            return Ok(None);
        };
        match durable.await {
            Ok(Ok(answer)) => Ok(Some(answer)),
            Ok(Err(why)) => Err(std::io::Error::other(why)),
            Err(_) => Err(std::io::Error::other("the journal stopped")),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The log's file name in the world's directory.
pub(super) const LOG: &str = "actions.jsonl";

/// The actions the simulated world in `dir` performed since its last compaction (the ones it
/// folded into its snapshot are counted by [`performed`]), oldest first. A torn last line (a
/// server killed mid-write) is ignored.
pub fn read_log(dir: &Path) -> std::io::Result<Vec<LogEntry>> {
    let covered = snapshot::covered(dir)?;
    let mut entries = read_entries(dir)?;
    entries.retain(|e| e.seq > covered);
    Ok(entries)
}

/// How many actions of each kind the simulated world in `dir` performed on each resource,
/// ever: its snapshot's counts plus the log after it.
pub fn performed(dir: &Path) -> std::io::Result<HashMap<String, Performed>> {
    let (mut counts, covered) = snapshot::counts(dir)?;
    for e in read_entries(dir)? {
        if e.seq > covered && !e.release && e.reset.is_none() {
            counts.entry(e.resource).or_default().add(e.action);
        }
    }
    Ok(counts)
}

/// Every whole line of the log file.
fn read_entries(dir: &Path) -> std::io::Result<Vec<LogEntry>> {
    let file = match std::fs::File::open(dir.join(LOG)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        if let Ok(entry) = serde_json::from_slice::<LogEntry>(&line) {
            out.push(entry);
        }
        line.clear();
    }
    Ok(out)
}
