//! The `sim` driver: a deterministic simulated world with per-resource durations, jitter from a
//! seed, and fault rules. Its state lives in `DATA_DIR/sim/`: `world.json` (a snapshot) and
//! `actions.jsonl` (the actions since).

mod compactor;
mod config;
mod console;
mod driver;
mod entry;
mod journal;
mod progress;
mod snapshot;
mod timer;
mod world;

pub use config::{config_rule_id, SimConfig, SimFault, SimResourceConfig};
pub use entry::{LogEntry, Outcome, Performed};
pub use world::{performed, read_log};

use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::faults::{step_actions, FaultBook, FaultFiring, StepFacts, StepFault};
use switchboard_core::sim_journal::{Durable, JournalContents, SimJournal};
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
    /// The reads of a journal the world is kept in, shared with its follower.
    follow: Arc<journal::Follow>,
    /// Beside the leader: set while the leader has controls set (`Driver::runs_on_any_replica`).
    beside: Option<Arc<AtomicBool>>,
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
            follow: Default::default(),
            beside: None,
        })
    }

    /// Opens the simulated world a journal holds (`contents`, read from it), shared by the
    /// replicas of one database; it follows what the others append while it lives.
    pub fn open_journal(
        journal: Arc<dyn SimJournal>,
        contents: JournalContents,
        config: SimConfig,
    ) -> Result<SimDriver, DriverError> {
        Self::check(&config)?;
        let world = World::open_journal(journal, contents, config.compact_log_bytes)
            .map_err(|e| DriverError::Permanent(format!("sim world: {e}")))?;
        let sim = Self::with_world(world, config)?;
        journal::spawn(Arc::downgrade(&sim.world), sim.follow.clone());
        Ok(sim)
    }

    /// A world kept in a journal, on a replica beside the leader: it runs tasks while the
    /// leader has no controls set (`controls`), for the fault rules, transitions and clock that
    /// shape actions are the leader's alone.
    pub fn beside_the_leader(mut self, controls: Arc<AtomicBool>) -> SimDriver {
        self.beside = Some(controls);
        self
    }

    /// Waits until a recorded entry is durable, and applies the journal up to it.
    async fn settle(&self, durable: Option<Durable>) -> Result<(), DriverError> {
        let failed = |e: std::io::Error| DriverError::Failed(format!("sim log write failed: {e}"));
        if let Some(answer) = World::durable(durable).await.map_err(failed)? {
            journal::apply_answer(&self.world, &self.follow, &answer)
                .await
                .map_err(failed)?;
        }
        Ok(())
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

#[cfg(test)]
mod compaction_tests;
#[cfg(test)]
mod compactor_tests;
#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod tests;
