//! The simulated world's state. It is nothing but a replay of the action log, so it outlives the
//! server exactly like a real external system would, and the log proves what was performed.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::Path;
use switchboard_core::{Action, Lifecycle, Millis};

/// How a simulated operation ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Fail(String),
    Hang,
}

/// One line of `sim/actions.jsonl`: an action the simulated world performed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub at_ms: Millis,
    pub resource: String,
    pub action: Action,
    /// The caller's operation id; the same id is never performed twice.
    pub op: String,
    pub until_ms: Millis,
    pub outcome: Outcome,
    /// Index of the `[[sim.faults]]` rule that shaped this action (older logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<usize>,
    /// Id of the fault rule that shaped this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Not an action but a state reset: the resource is in this state from now on (a state
    /// reset or a snapshot restore), `outcome` holding a failed state's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Lifecycle>,
    /// A `manual` progression: the action ends once its resource was read this many times
    /// (`until_ms` is then the end of time until a release entry says otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<u32>,
    /// Not an action: the release of the manual action `op` names, which ended at `until_ms`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub release: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct SimResource {
    pub initial: Lifecycle,
    /// Set by a reset: the state before any later action, instead of `initial`.
    pub base: Option<(Lifecycle, Option<String>)>,
    pub last: Option<LogEntry>,
    /// The latest actions, oldest first (at most `HISTORY`), for the console log.
    pub history: std::collections::VecDeque<LogEntry>,
    /// When this server first saw the resource (its console's first boot, if it was running).
    pub seen_ms: Millis,
}

/// Actions per resource kept for the simulated console log.
pub(crate) const HISTORY: usize = 32;

impl SimResource {
    /// The state at `now`, with the failure message if the last action failed.
    pub fn state_at(&self, now: Millis) -> (Lifecycle, Option<String>) {
        match &self.last {
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
    pub resources: HashMap<String, SimResource>,
    pub ops: HashSet<String>,
    /// How often each fault rule shaped an action, by rule id.
    pub rule_uses: HashMap<String, u64>,
    pub seq: u64,
    log: std::fs::File,
}

impl World {
    /// Opens the log in `dir`, replaying what it holds.
    pub fn open(dir: &Path) -> std::io::Result<World> {
        crate::private::create_dir(dir)?;
        let path = dir.join("actions.jsonl");
        let mut world = World {
            resources: HashMap::new(),
            ops: HashSet::new(),
            rule_uses: HashMap::new(),
            seq: 0,
            log: crate::private::file_options()
                .create(true)
                .append(true)
                .open(&path)?,
        };
        for entry in read_log(dir)? {
            world.apply(entry);
        }
        Ok(world)
    }

    fn apply(&mut self, entry: LogEntry) {
        self.seq = self.seq.max(entry.seq);
        if entry.release {
            if let Some(r) = self.resources.get_mut(&entry.resource) {
                let shown = r.history.back_mut().into_iter();
                for t in r.last.iter_mut().chain(shown).filter(|t| t.op == entry.op) {
                    t.until_ms = entry.until_ms;
                }
            }
            return;
        }
        self.ops.insert(entry.op.clone());
        let rule = entry
            .rule
            .clone()
            .or(entry.fault.map(super::config_rule_id));
        if let Some(id) = rule {
            *self.rule_uses.entry(id).or_default() += 1;
        }
        let r = self
            .resources
            .entry(entry.resource.clone())
            .or_insert(SimResource {
                initial: Lifecycle::Stopped,
                base: None,
                last: None,
                history: Default::default(),
                seen_ms: entry.at_ms,
            });
        if let Some(state) = entry.reset {
            let detail = match entry.outcome {
                Outcome::Fail(message) => Some(message),
                _ => None,
            };
            r.base = Some((state, detail));
            r.last = None;
            return;
        }
        if r.history.len() == HISTORY {
            r.history.pop_front();
        }
        r.history.push_back(entry.clone());
        r.last = Some(entry);
    }

    /// Writes the entry to the log (one `write`, so a killed server leaves whole lines) and applies it.
    pub fn record(&mut self, entry: LogEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.log.write_all(&line)?;
        self.apply(entry);
        Ok(())
    }
}

/// Every action the simulated world in `dir` has performed, oldest first. A torn last line (a
/// server killed mid-write) is ignored.
pub fn read_log(dir: &Path) -> std::io::Result<Vec<LogEntry>> {
    let path = dir.join("actions.jsonl");
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        if let Ok(entry) = serde_json::from_str::<LogEntry>(&line?) {
            out.push(entry);
        }
    }
    Ok(out)
}
