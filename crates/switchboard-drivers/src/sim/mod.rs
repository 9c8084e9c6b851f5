//! The `sim` driver: a deterministic simulated world with per-resource durations, jitter from a
//! seed, and fault rules. Its state lives in `DATA_DIR/sim/`: `world.json` (a snapshot) and
//! `actions.jsonl` (the actions since).

mod compactor;
mod config;
mod console;
mod progress;
mod snapshot;
mod timer;
mod world;

pub use config::{config_rule_id, SimConfig, SimFault, SimResourceConfig};
pub use world::{performed, read_log, LogEntry, Outcome, Performed};

use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::faults::{step_actions, FaultBook, FaultFiring, StepFacts, StepFault};
use switchboard_core::sim_journal::{JournalContents, SimJournal};
use switchboard_core::transitions::TransitionBook;
use switchboard_core::{Action, Driver, DriverError, Lifecycle, Millis, Observed, ResourceSpec};
use world::{SimResource, World};

pub struct SimDriver {
    config: SimConfig,
    /// Shared with the compactions it starts, which finish under the same lock.
    world: Arc<Mutex<World>>,
    /// The fault rules steps are matched against (the first that covers a step decides).
    book: Arc<FaultBook>,
    /// The transitions set at run time and the simulated clock every time here is read from.
    transitions: Arc<TransitionBook>,
    /// Ends the waits for transitions on time (tokio's timer is up to ~2 ms late).
    timer: timer::PreciseTimer,
}

impl SimDriver {
    /// Opens the simulated world kept in `dir` (created if missing).
    pub fn open(dir: &Path, config: SimConfig) -> Result<SimDriver, DriverError> {
        Self::check(&config)?;
        let world = World::open(dir, config.compact_log_bytes)
            .map_err(|e| DriverError::Permanent(format!("sim world: {e}")))?;
        Self::with_world(world, config)
    }

    fn check(config: &SimConfig) -> Result<(), DriverError> {
        for f in &config.faults {
            f.validate().map_err(DriverError::Permanent)?;
        }
        if config.speed <= 0.0 || !config.speed.is_finite() {
            return Err(DriverError::Permanent(
                "sim speed must be a positive number".into(),
            ));
        }
        Ok(())
    }

    fn with_world(world: World, config: SimConfig) -> Result<SimDriver, DriverError> {
        let shared = Arc::new(Mutex::new(world));
        shared.lock().unwrap_or_else(|p| p.into_inner()).shared = Some(Arc::downgrade(&shared));
        // On its own, the driver applies its configured rules; `with_book` shares the server's.
        let book = FaultBook::new(|pattern, action| pattern == action);
        let rules = config.faults.iter().enumerate().map(|(i, f)| f.to_rule(i));
        book.replace(rules.collect())
            .map_err(|e| DriverError::Permanent(e.to_string()))?;
        Ok(SimDriver {
            config,
            world: shared,
            book: Arc::new(book),
            transitions: Arc::new(TransitionBook::new()),
            timer: timer::PreciseTimer::default(),
        })
    }

    /// Opens the simulated world a journal holds (`contents`, read from it), shared by the
    /// replicas of one database.
    pub fn open_journal(
        journal: Arc<dyn SimJournal>,
        contents: JournalContents,
        config: SimConfig,
    ) -> Result<SimDriver, DriverError> {
        Self::check(&config)?;
        let world = World::open_journal(journal, contents, config.compact_log_bytes)
            .map_err(|e| DriverError::Permanent(format!("sim world: {e}")))?;
        Self::with_world(world, config)
    }

    /// Matches steps against `book` instead of the configured rules alone.
    pub fn with_book(mut self, book: Arc<FaultBook>) -> SimDriver {
        self.book = book;
        self
    }

    /// Paces actions by `transitions` and reads time from its clock (the server's, shared
    /// with the API that changes them).
    pub fn with_transitions(mut self, transitions: Arc<TransitionBook>) -> SimDriver {
        self.transitions = transitions;
        self
    }

    /// How long until the simulated clock reads `at` (to the microsecond: a transition ends
    /// on a millisecond of the simulated clock, and a step waiting on it should end there too).
    fn real_time_until(&self, at: Millis) -> Duration {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let offset = Duration::from_millis(self.transitions.clock.offset_ms().max(0) as u64);
        let target = Duration::from_millis(at.max(0) as u64);
        target.saturating_sub(wall + offset)
    }

    /// The simulated time now.
    fn now(&self) -> Millis {
        self.transitions.clock.now()
    }

    /// The resource's state now, releasing a `manual` action whose reads are in.
    fn state_now(
        &self,
        w: &mut World,
        resource: &ResourceSpec,
    ) -> Result<(Lifecycle, Option<String>, Option<Millis>), DriverError> {
        let now = self.now();
        progress::release_if_read(w, &self.transitions, resource, now)
            .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))?;
        let r = w.resources.get(&resource.id).ok_or_else(|| {
            DriverError::Permanent(format!("{} is not in the simulated world", resource.id))
        })?;
        let (state, detail) = r.state_at(now);
        Ok((state, detail, r.last().map(|t| t.until_ms)))
    }

    /// How often each fault rule has shaped an action, by rule id, as the action log proves.
    pub fn rule_uses(&self) -> HashMap<String, u64> {
        self.lock().rule_uses.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The configured duration of `action` on `resource`, before jitter and speed.
    fn base_duration(&self, resource: &ResourceSpec, action: Action) -> Duration {
        // Read in place: this runs on every accept and every step, most often on no settings.
        let own = match &resource.driver_config {
            serde_json::Value::Null => SimResourceConfig::default(),
            config => SimResourceConfig::deserialize(config).unwrap_or_default(),
        };
        match action {
            Action::Start => own.start.unwrap_or(self.config.start),
            Action::Stop => own.stop.unwrap_or(self.config.stop),
            Action::Restart => own.restart.unwrap_or(self.config.restart),
        }
    }

    /// Jittered and sped-up duration; deterministic for (seed, resource, sequence number).
    fn duration(&self, base: Duration, resource: &str, seq: u64) -> Duration {
        let mut h = self.config.seed ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for b in resource.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01B3);
        }
        let jitter = self.config.jitter.clamp(0.0, 1.0);
        let factor = if jitter > 0.0 {
            1.0 + rand::rngs::StdRng::seed_from_u64(h).gen_range(-jitter..=jitter)
        } else {
            1.0
        };
        base.mul_f64(factor / self.config.speed)
    }
}

impl Drop for SimDriver {
    /// A compaction in flight ends first: a driver opened next on the same files finds them
    /// whole and alone.
    fn drop(&mut self) {
        compactor::wait(&self.world);
    }
}

#[async_trait::async_trait]
impl Driver for SimDriver {
    async fn register(&self, resource: &ResourceSpec) -> Result<(), DriverError> {
        let mut w = self.lock();
        w.resources
            .entry(resource.id.clone())
            .or_insert_with(|| SimResource::new(resource.initial_state, self.now()));
        if let Some(r) = w.resources.get_mut(&resource.id) {
            r.initial = resource.initial_state;
        }
        Ok(())
    }

    async fn perform(
        &self,
        resource: &ResourceSpec,
        action: Action,
        op: &str,
    ) -> Result<Option<String>, DriverError> {
        let now = self.now();
        let (durable, used, rule, effect) = {
            let mut w = self.lock();
            if w.performed_op(&resource.id, op) {
                return Ok(None);
            }
            let (state, _, _) = self.state_now(&mut w, resource)?;
            if state.is_transitional() {
                let busy_with = w
                    .resources
                    .get(&resource.id)
                    .and_then(|r| r.last())
                    .map(|t| t.action);
                return if busy_with == Some(action) {
                    Ok(None)
                } else {
                    Err(DriverError::Failed(format!(
                        "{} is busy ({})",
                        resource.name,
                        state.as_str()
                    )))
                };
            }
            if !state.needs(action) {
                return Ok(None);
            }
            // Most steps meet no rule at all: no facts are built for them.
            let hit = (!self.book.is_empty()).then(|| {
                let facts = StepFacts {
                    kind: resource.kind,
                    action,
                    project_id: resource.project_id.clone(),
                    resource_id: resource.id.clone(),
                    resource_name: resource.name.clone(),
                };
                let used = |id: &str| w.rule_uses.get(id).copied().unwrap_or(0);
                self.book.check_step(&facts, &used)
            });
            let hit = hit.flatten();
            let seq = w.seq + 1;
            let base = match &hit {
                Some(h) => match h.fault {
                    StepFault::Take(took) => took,
                    _ => self.base_duration(resource, action),
                },
                None => self.base_duration(resource, action),
            };
            let configured = self.duration(base, &resource.id, seq);
            // A fault's own duration wins over the pace set by transitions.
            let taken = matches!(hit.as_ref().map(|h| &h.fault), Some(StepFault::Take(_)));
            let (took, reads) = match progress::pace(&self.transitions, resource, op) {
                _ if taken => (configured, None),
                progress::Pace::Configured => (configured, None),
                progress::Pace::Exactly(d) => (d, None),
                progress::Pace::Reads(n) => (Duration::MAX, Some(n)),
            };
            let (outcome, effect) = match hit.as_ref().map(|h| &h.fault) {
                Some(StepFault::Hang) => (Outcome::Hang, "hang"),
                Some(StepFault::Fail(message)) => (
                    Outcome::Fail(message.clone().unwrap_or_else(|| {
                        format!("simulated failure of {} {}", action.as_str(), resource.name)
                    })),
                    "fail",
                ),
                Some(StepFault::Take(_)) => (Outcome::Ok, "take"),
                None => (Outcome::Ok, ""),
            };
            let rule = hit.map(|h| h.rule_id);
            let entry = LogEntry {
                seq,
                at_ms: now,
                resource: resource.id.clone(),
                action,
                op: op.to_string(),
                until_ms: if reads.is_some() {
                    Millis::MAX
                } else {
                    now.saturating_add(took.as_millis().min(i64::MAX as u128) as i64)
                },
                outcome,
                fault: None,
                rule: rule.clone(),
                reset: None,
                reads,
                release: false,
            };
            w.record(entry)
                .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))?;
            let durable = w.durable.take();
            let used = rule
                .as_ref()
                .map_or(0, |id| w.rule_uses.get(id).copied().unwrap_or(0));
            (durable, used, rule, effect)
        };
        // Performed only once durable: a journal refuses the entry of a replica that no
        // longer leads, and then the step did not happen.
        World::durable(durable)
            .await
            .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))?;
        if let Some(rule_id) = rule {
            // Durable in the action log first: a server killed now still counts this use.
            let actions = step_actions(resource.kind, action);
            let firing = FaultFiring {
                rule_id: rule_id.clone(),
                at: now,
                family: actions
                    .first()
                    .and_then(|a| a.split(':').next())
                    .unwrap_or("sim")
                    .to_string(),
                action: actions.first().map(|a| a.to_string()),
                resource: Some(resource.id.clone()),
                project_id: Some(resource.project_id.clone()),
                step: Some(op.to_string()),
                effect: effect.into(),
                ..FaultFiring::default()
            };
            self.book.step_fired(&rule_id, used, firing);
        }
        Ok(None)
    }

    async fn observe(&self, resource: &ResourceSpec) -> Result<Observed, DriverError> {
        let (state, detail, _) = self.state_now(&mut self.lock(), resource)?;
        Ok(Observed { state, detail })
    }

    /// Waits on the simulated clock: the deadline is `timeout` of simulated time, so advancing
    /// the clock past it times the step out; every advance and every read wakes the wait.
    async fn wait_for(
        &self,
        resource: &ResourceSpec,
        target: Lifecycle,
        timeout: Duration,
    ) -> Result<Observed, DriverError> {
        let mut woken = self.transitions.clock.subscribe();
        let deadline = self
            .now()
            .saturating_add(timeout.as_millis().min(i64::MAX as u128) as i64);
        loop {
            woken.borrow_and_update();
            let (state, detail, until) = self.state_now(&mut self.lock(), resource)?;
            if state == target || !state.is_transitional() {
                return Ok(Observed { state, detail });
            }
            let now = self.now();
            if now >= deadline {
                return Err(DriverError::Timeout(timeout));
            }
            let end = until.unwrap_or(Millis::MAX).min(deadline);
            let wait = self.real_time_until(end);
            if wait > timer::PRECISE_WITHIN {
                let sleep = (wait - timer::PRECISE_WITHIN / 2).min(Duration::from_secs(3_600));
                tokio::select! {
                    _ = tokio::time::sleep(sleep) => {}
                    _ = woken.changed() => {}
                }
            } else {
                let at = std::time::Instant::now() + wait.max(Duration::from_micros(50));
                tokio::select! {
                    _ = self.timer.sleep_until(at) => {}
                    _ = woken.changed() => {}
                }
            }
        }
    }

    async fn console_log(&self, resource: &ResourceSpec) -> Result<Option<String>, DriverError> {
        let w = self.lock();
        let r = w.resources.get(&resource.id).ok_or_else(|| {
            DriverError::Permanent(format!("{} is not in the simulated world", resource.id))
        })?;
        Ok(Some(console::render(resource, r, self.now())))
    }

    async fn reset(
        &self,
        resource: &ResourceSpec,
        state: Lifecycle,
        detail: Option<String>,
    ) -> Result<(), DriverError> {
        let durable = {
            let mut w = self.lock();
            let seq = w.seq + 1;
            let now = self.now();
            // Durable in the action log, so a restart replays the reset too.
            let entry = LogEntry {
                seq,
                at_ms: now,
                resource: resource.id.clone(),
                action: Action::Start,
                op: String::new(),
                until_ms: now,
                outcome: detail.map_or(Outcome::Ok, Outcome::Fail),
                fault: None,
                rule: None,
                reset: Some(state),
                reads: None,
                release: false,
            };
            w.record(entry)
                .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))?;
            w.durable.take()
        };
        World::durable(durable)
            .await
            .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))
    }

    fn held(&self, resource: &ResourceSpec) -> bool {
        let w = self.lock();
        let last = w.resources.get(&resource.id).and_then(|r| r.last());
        last.is_some_and(|t| t.outcome == Outcome::Hang)
    }

    fn expected_duration(&self, resource: &ResourceSpec, action: Action) -> Duration {
        self.base_duration(resource, action)
            .div_f64(self.config.speed)
    }
}

#[cfg(test)]
mod compaction_tests;
#[cfg(test)]
mod compactor_tests;
#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod tests;
