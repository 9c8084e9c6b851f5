//! How an action of the simulated world progresses under the transitions set at run time
//! (`immediate`, `time`, `manual`), and the release of a `manual` action once its resource has
//! been read often enough — written to the action log, so the release outlives the server.

use super::entry::LogEntry;
use super::world::World;
use std::time::Duration;
use switchboard_core::transitions::{Progression, ReadFacts, TransitionBook};
use switchboard_core::{op_task, Millis, ResourceSpec};

/// How long an action takes.
pub(super) enum Pace {
    /// The configured durations (with jitter and speed).
    Configured,
    /// Exactly this long on the simulated clock.
    Exactly(Duration),
    /// Until the resource was read this many times during the action's task.
    Reads(u32),
}

pub(super) fn facts(resource: &ResourceSpec) -> ReadFacts {
    ReadFacts {
        resource_id: resource.id.clone(),
        kind: resource.kind,
        project_id: resource.project_id.clone(),
    }
}

/// The pace of an action performed as `op` on `resource` now.
pub(super) fn pace(book: &TransitionBook, resource: &ResourceSpec, op: &str) -> Pace {
    let Some(setting) = book.progression_for(&facts(resource)) else {
        return Pace::Configured;
    };
    match (setting.progression, setting.seconds, setting.times) {
        (Progression::Immediate, _, _) => Pace::Exactly(Duration::ZERO),
        (Progression::Time, Some(s), _) => Pace::Exactly(Duration::from_secs_f64(s)),
        (Progression::Time, None, _) => Pace::Configured,
        (Progression::Manual, _, Some(n)) => {
            // Reads already made while the task held the resource count too.
            let seen = op_task(op).map_or(0, |t| book.reads(&resource.id, t));
            if seen >= n {
                Pace::Exactly(Duration::ZERO)
            } else {
                Pace::Reads(n)
            }
        }
        (Progression::Manual, _, None) => Pace::Configured,
    }
}

/// Ends the resource's `manual` action at `now` if its reads are in, durably (reads of a later
/// task that joined the unfinished action count too). One whose setting is gone (removed, or
/// no longer `manual`) ends at once.
pub(super) fn release_if_read(
    world: &mut World,
    book: &TransitionBook,
    resource: &ResourceSpec,
    now: Millis,
) -> std::io::Result<()> {
    let found = world.resources.get(&resource.id);
    let Some(last) = found.and_then(|r| r.last()) else {
        return Ok(());
    };
    let Some(needed) = last.reads.filter(|_| last.until_ms == Millis::MAX) else {
        return Ok(());
    };
    let read = op_task(&last.op).map_or(0, |t| book.reads_since(&resource.id, t));
    let still_manual = book
        .progression_for(&facts(resource))
        .is_some_and(|s| s.progression == Progression::Manual);
    if read < needed && still_manual {
        return Ok(());
    }
    let release = LogEntry {
        seq: world.seq + 1,
        at_ms: now,
        until_ms: now,
        reads: None,
        release: true,
        fault: None,
        rule: None,
        resource: resource.id.clone(),
        ..last.clone()
    };
    // Not waited for: a later entry's answer covers it (the journal keeps their order).
    world.record(release).map(drop)
}
