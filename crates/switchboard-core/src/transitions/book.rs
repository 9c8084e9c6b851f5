//! The settings in force, shared by the API (which changes them and counts reads) and the
//! simulated driver (which asks how each operation progresses), with the read counters of
//! `manual` progressions and the simulated clock.

use super::{resolve, Progression, SettingError, SimClock, Transition, MAX_SETTINGS};
use crate::{ResourceKind, TaskId};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// What a setting is matched against.
#[derive(Debug, Clone)]
pub struct ReadFacts {
    pub resource_id: String,
    pub kind: ResourceKind,
    pub project_id: String,
}

#[derive(Default)]
pub struct TransitionBook {
    settings: Mutex<Vec<Transition>>,
    /// Reads of a resource during the transition of one task: resource id → (task, reads).
    reads: Mutex<HashMap<String, (TaskId, u32)>>,
    pub clock: SimClock,
    /// Held by whoever changes the settings until the change is durable, so that changes
    /// reach the store in the order they were made.
    pub changes: tokio::sync::Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TransitionBook {
    pub fn new() -> TransitionBook {
        TransitionBook::default()
    }

    /// The settings, oldest first.
    pub fn stored(&self) -> Vec<Transition> {
        lock(&self.settings).clone()
    }

    /// Replaces every setting (restoring them at start).
    pub fn replace(&self, settings: Vec<Transition>) {
        *lock(&self.settings) = settings;
        self.clock.notify();
    }

    /// Adds settings (a setting with the id of a kept one replaces it); returns all.
    pub fn append(&self, added: Vec<Transition>) -> Result<Vec<Transition>, SettingError> {
        let mut settings = lock(&self.settings);
        let mut next = settings.clone();
        for s in added {
            next.retain(|k| k.id != s.id);
            next.push(s);
        }
        if next.len() > MAX_SETTINGS {
            return Err(SettingError::new(
                "transitions",
                format!("at most {MAX_SETTINGS} settings"),
            ));
        }
        *settings = next.clone();
        self.clock.notify();
        Ok(next)
    }

    /// Removes the settings `gone` picks; returns those kept and how many went.
    pub fn remove(&self, gone: impl Fn(&Transition) -> bool) -> (Vec<Transition>, usize) {
        let mut settings = lock(&self.settings);
        let before = settings.len();
        settings.retain(|s| !gone(s));
        let removed = before - settings.len();
        self.clock.notify();
        (settings.clone(), removed)
    }

    /// Removes every setting (`None`), or those bound to `project` (an id); returns those kept
    /// and how many went. For reset: the caller makes the kept list durable.
    pub fn clear_transitions(&self, project: Option<&str>) -> (Vec<Transition>, usize) {
        self.remove(|s| project.is_none_or(|p| s.project_id.as_deref() == Some(p)))
    }

    /// The setting deciding how an operation on the resource progresses.
    pub fn progression_for(&self, facts: &ReadFacts) -> Option<Transition> {
        resolve(&lock(&self.settings), facts).cloned()
    }

    /// Counts a read of a resource while `task` holds it; returns whether it completed the
    /// resource's `manual` transition (the read that makes the count reach `times`).
    pub fn note_read(&self, facts: &ReadFacts, task: TaskId) -> bool {
        let reads = {
            let mut all = lock(&self.reads);
            let entry = all.entry(facts.resource_id.clone()).or_insert((task, 0));
            if entry.0 != task {
                *entry = (task, 0);
            }
            entry.1 = entry.1.saturating_add(1);
            entry.1
        };
        self.clock.notify();
        self.progression_for(facts)
            .is_some_and(|s| s.progression == Progression::Manual && s.times == Some(reads))
    }

    /// How often the resource was read in the last transition it was read in.
    pub fn last_reads(&self, resource_id: &str) -> u32 {
        lock(&self.reads).get(resource_id).map_or(0, |(_, n)| *n)
    }

    /// Reads of the resource counted under `task` or a later task (one that joined a transition
    /// an earlier task left unfinished, after a timeout or a cancel).
    pub fn reads_since(&self, resource_id: &str, task: TaskId) -> u32 {
        lock(&self.reads)
            .get(resource_id)
            .filter(|(t, _)| *t >= task)
            .map_or(0, |(_, n)| *n)
    }

    /// How often the resource was read while `task` held it.
    pub fn reads(&self, resource_id: &str, task: TaskId) -> u32 {
        lock(&self.reads)
            .get(resource_id)
            .filter(|(t, _)| *t == task)
            .map_or(0, |(_, n)| *n)
    }
}
