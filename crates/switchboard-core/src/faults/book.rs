//! The rules in force, in order, shared by the API (which changes them and matches requests)
//! and the simulated driver (which matches steps). The first rule whose scope covers a request
//! or step decides; every match and firing is handed to the sink, which makes it durable.

use super::{
    FaultError, FaultFiring, FaultRule, RequestFacts, RuleError, StepFacts, StepFault, StoredRule,
    MAX_RULES,
};
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// A change of a rule's counters, with the firing that caused it if any.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultUse {
    pub rule_id: String,
    pub matched: u64,
    pub fired: u64,
    /// The rule reached its `times` and left the list.
    pub retired: bool,
    pub firing: Option<FaultFiring>,
}

/// Receives every [`FaultUse`] (it must not block: it queues a write).
pub type FaultSink = Box<dyn Fn(FaultUse) + Send + Sync>;

/// An API fault that hit a request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiHit {
    pub rule_id: String,
    pub error: Option<FaultError>,
    pub latency: Option<Duration>,
}

/// A driver fault that hit a step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepHit {
    pub rule_id: String,
    pub fault: StepFault,
}

pub struct FaultBook {
    rules: Mutex<Vec<StoredRule>>,
    glob: fn(&str, &str) -> bool,
    sink: OnceLock<FaultSink>,
    /// Seeds the rolls of rules without a `seed`.
    nonce: u64,
    /// Held by whoever changes the rules through the API until the change is durable, so that
    /// changes reach the store in the order they were made.
    pub changes: tokio::sync::Mutex<()>,
}

impl FaultBook {
    /// An empty book matching `action` patterns with `glob` (the policies' matcher).
    pub fn new(glob: fn(&str, &str) -> bool) -> FaultBook {
        use std::hash::BuildHasher;
        FaultBook {
            rules: Mutex::new(Vec::new()),
            glob,
            sink: OnceLock::new(),
            nonce: std::collections::hash_map::RandomState::new().hash_one(0u8),
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// Where uses go from now on (set once).
    pub fn set_sink(&self, sink: FaultSink) {
        let _ = self.sink.set(sink);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<StoredRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn emit(&self, used: FaultUse) {
        if let Some(sink) = self.sink.get() {
            sink(used);
        }
    }

    /// The rules in force, in order.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().iter().map(|s| s.rule.clone()).collect()
    }

    /// The rules with their counters.
    pub fn stored(&self) -> Vec<StoredRule> {
        self.lock().clone()
    }

    /// Whether no rule is in force (the common case: nothing to match).
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Puts back rules read from the store.
    pub fn load(&self, rules: Vec<StoredRule>) {
        *self.lock() = rules;
    }

    /// Replaces every rule (counters start at zero); ids must be set and unique.
    pub fn replace(&self, rules: Vec<FaultRule>) -> Result<Vec<StoredRule>, RuleError> {
        self.replace_where(|_| true, rules)
    }

    /// Replaces the rules `owned` selects with `rules`, after the others, which keep their
    /// places and counters (a project administrator replaces its own rules only).
    pub fn replace_where(
        &self,
        owned: impl Fn(&FaultRule) -> bool,
        rules: Vec<FaultRule>,
    ) -> Result<Vec<StoredRule>, RuleError> {
        let mut kept = self.lock();
        let others: Vec<StoredRule> = kept.iter().filter(|s| !owned(&s.rule)).cloned().collect();
        let fresh = check_ids(&others, rules)?;
        *kept = others;
        kept.extend(fresh);
        Ok(kept.clone())
    }

    /// Adds rules after the others; their ids must be new.
    pub fn append(&self, rules: Vec<FaultRule>) -> Result<Vec<StoredRule>, RuleError> {
        let mut kept = self.lock();
        let fresh = check_ids(&kept, rules)?;
        kept.extend(fresh);
        Ok(kept.clone())
    }

    /// Removes the rules `drop` picks; (what stays, how many left).
    pub fn remove(&self, drop: impl Fn(&FaultRule) -> bool) -> (Vec<StoredRule>, usize) {
        let mut kept = self.lock();
        let before = kept.len();
        kept.retain(|s| !drop(&s.rule));
        let removed = before - kept.len();
        (kept.clone(), removed)
    }

    /// The API fault for a request, if the first rule covering it fires, and the use of that
    /// rule, which the caller makes durable (before answering: the sink is not told). `firing`
    /// carries what the caller knows of the request; the rule and effect are filled in here.
    pub fn check_request(
        &self,
        facts: &RequestFacts,
        firing: FaultFiring,
    ) -> (Option<ApiHit>, Option<FaultUse>) {
        let mut kept = self.lock();
        let Some(i) = kept
            .iter()
            .position(|s| s.rule.covers_request(facts, self.glob))
        else {
            return (None, None);
        };
        let entry = &mut kept[i];
        entry.matched += 1;
        if !self.rolls(entry) {
            return (None, Some(counters(entry, false, None)));
        }
        entry.fired += 1;
        let rule = entry.rule.clone();
        let latency = rule.latency_ms.map(Duration::from_millis);
        let effect = match (&rule.error, latency) {
            (Some(_), Some(_)) => "error+latency",
            (Some(_), None) => "error",
            _ => "latency",
        };
        let id = rule.id.clone().unwrap_or_default();
        let firing = FaultFiring {
            rule_id: id.clone(),
            effect: effect.into(),
            ..firing
        };
        let retired = rule.times.is_some_and(|t| entry.fired >= t as u64);
        let used = counters(entry, retired, Some(firing));
        if retired {
            kept.remove(i);
        }
        let hit = ApiHit {
            rule_id: id,
            error: rule.error,
            latency,
        };
        (Some(hit), Some(used))
    }

    /// The driver fault for a step, if the first rule covering it fires. `used` says how often
    /// the driver has durably applied each rule (it counts across a crash; the book may not).
    /// The caller records the use, then calls [`FaultBook::step_fired`].
    pub fn check_step(&self, facts: &StepFacts, used: &dyn Fn(&str) -> u64) -> Option<StepHit> {
        let mut kept = self.lock();
        let i = kept.iter().position(|s| {
            let id = s.rule.id.as_deref().unwrap_or_default();
            let fired = s.fired.max(used(id));
            s.rule.covers_step(facts, self.glob) && s.rule.times.is_none_or(|t| fired < t as u64)
        })?;
        let entry = &mut kept[i];
        entry.matched += 1;
        if !self.rolls(entry) {
            let used = counters(entry, false, None);
            drop(kept);
            self.emit(used);
            return None;
        }
        Some(StepHit {
            rule_id: entry.rule.id.clone().unwrap_or_default(),
            fault: entry.rule.driver.as_ref()?.effect()?,
        })
    }

    /// A step hit by `rule_id` was durably recorded by the driver, which has now applied the
    /// rule `used` times in all.
    pub fn step_fired(&self, rule_id: &str, used: u64, firing: FaultFiring) {
        let mut kept = self.lock();
        let Some(i) = kept
            .iter()
            .position(|s| s.rule.id.as_deref() == Some(rule_id))
        else {
            return;
        };
        let entry = &mut kept[i];
        entry.fired = (entry.fired + 1).max(used);
        let retired = entry.rule.times.is_some_and(|t| entry.fired >= t as u64);
        let used = counters(entry, retired, Some(firing));
        if retired {
            kept.remove(i);
        }
        drop(kept);
        self.emit(used);
    }

    /// Retires the rules the driver has already applied `times` times (a server killed after
    /// the driver's record but before the store's); their ids.
    pub fn retire_used(&self, used: &dyn Fn(&str) -> u64) -> Vec<String> {
        let mut kept = self.lock();
        let mut gone = Vec::new();
        kept.retain_mut(|s| {
            let id = s.rule.id.clone().unwrap_or_default();
            s.fired = s.fired.max(used(&id));
            let spent = s.rule.times.is_some_and(|t| s.fired >= t as u64);
            if spent {
                gone.push((id, s.matched, s.fired));
            }
            !spent
        });
        drop(kept);
        gone.into_iter()
            .map(|(rule_id, matched, fired)| {
                self.emit(FaultUse {
                    rule_id: rule_id.clone(),
                    matched,
                    fired,
                    retired: true,
                    firing: None,
                });
                rule_id
            })
            .collect()
    }

    /// Whether the entry's latest match is hit: always without `probability`; else by a roll
    /// that depends only on (seed, match number), so a run replays exactly.
    fn rolls(&self, entry: &StoredRule) -> bool {
        let Some(p) = entry.rule.probability else {
            return true;
        };
        let seed = entry.rule.seed.unwrap_or_else(|| {
            let id = entry.rule.id.as_deref().unwrap_or_default();
            id.bytes().fold(self.nonce, |h, b| {
                (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
            })
        });
        roll(seed, entry.matched) < p
    }
}

fn counters(entry: &StoredRule, retired: bool, firing: Option<FaultFiring>) -> FaultUse {
    FaultUse {
        rule_id: entry.rule.id.clone().unwrap_or_default(),
        matched: entry.matched,
        fired: entry.fired,
        retired,
        firing,
    }
}

/// A number in [0, 1) from (seed, n) (splitmix64).
pub(crate) fn roll(seed: u64, n: u64) -> f64 {
    let mut z = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The new rules as stored, refusing missing or repeated ids and too many rules.
fn check_ids(kept: &[StoredRule], rules: Vec<FaultRule>) -> Result<Vec<StoredRule>, RuleError> {
    if kept.len() + rules.len() > MAX_RULES {
        return Err(RuleError::new(
            "rules",
            format!("at most {MAX_RULES} rules are kept"),
        ));
    }
    let mut seen: HashSet<String> = kept.iter().filter_map(|s| s.rule.id.clone()).collect();
    rules
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            let id = rule.id.clone().unwrap_or_default();
            let at = kept.len() + i;
            if id.is_empty() {
                return Err(RuleError::new(format!("rules[{at}].id"), "missing"));
            }
            if !seen.insert(id.clone()) {
                return Err(RuleError::new(
                    format!("rules[{at}].id"),
                    format!("{id} is already taken"),
                ));
            }
            Ok(StoredRule {
                rule,
                matched: 0,
                fired: 0,
            })
        })
        .collect()
}
