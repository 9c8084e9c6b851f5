//! The simulated console: a boot log that follows the resource's real transitions — boot
//! messages after each start or reboot, shutdown messages after each stop.

use super::entry::Outcome;
use super::world::SimResource;
use switchboard_core::{Action, Lifecycle, Millis, ResourceSpec};

/// Seconds since the epoch with milliseconds, like a kernel timestamp.
fn stamp(at: Millis) -> String {
    format!("[{:>12}.{:03}]", at / 1000, at.rem_euclid(1000))
}

fn boot(out: &mut Vec<String>, name: &str, at: Millis, done: Option<Millis>) {
    out.push(format!(
        "{} Linux version 6.1.0-sim (switchboard) #1 SMP",
        stamp(at)
    ));
    out.push(format!(
        "{} Command line: BOOT_IMAGE=/vmlinuz root=/dev/sda1 console=ttyS0",
        stamp(at)
    ));
    out.push(format!(
        "{} systemd[1]: Set hostname to <{name}>.",
        stamp(at)
    ));
    if let Some(done) = done {
        out.push(format!(
            "{} systemd[1]: Reached target multi-user.target - Multi-User System.",
            stamp(done)
        ));
        out.push(String::new());
        out.push(format!("{name} login: "));
    }
}

fn shutdown(out: &mut Vec<String>, at: Millis, done: Option<Millis>) {
    out.push(format!(
        "{} systemd[1]: Stopping session-1.scope - Session 1 of User root...",
        stamp(at)
    ));
    if let Some(done) = done {
        out.push(format!(
            "{} systemd-shutdown[1]: Syncing filesystems and block devices.",
            stamp(done)
        ));
        out.push(format!("{} reboot: Power down", stamp(done)));
    }
}

/// The console text of `r` at `now`.
pub(super) fn render(spec: &ResourceSpec, r: &SimResource, now: Millis) -> String {
    let name = spec.name.as_str();
    let mut out = Vec::new();
    // A resource that was running before its first recorded action booted at some point.
    let first_at = r
        .history
        .front()
        .map_or(r.seen_ms, |e| e.at_ms.min(r.seen_ms));
    if r.history
        .front()
        .map_or(r.initial, |e| e.action.prior_hint())
        == Lifecycle::Running
    {
        boot(&mut out, name, first_at, Some(first_at));
    }
    for e in r.history.iter() {
        let finished = now >= e.until_ms && e.outcome != Outcome::Hang;
        let done = (finished && e.outcome == Outcome::Ok).then_some(e.until_ms);
        match e.action {
            Action::Start => boot(&mut out, name, e.at_ms, done),
            Action::Stop => shutdown(&mut out, e.at_ms, done),
            Action::Restart => {
                out.push(format!("{} reboot: Restarting system", stamp(e.at_ms)));
                boot(&mut out, name, e.at_ms, done);
            }
        }
        if let (true, Outcome::Fail(msg)) = (finished, &e.outcome) {
            out.push(format!("{} switchboard-sim: {msg}", stamp(e.until_ms)));
        }
    }
    out.join("\n")
}

trait PriorHint {
    /// The state a resource was most likely in before this action was asked of it.
    fn prior_hint(self) -> Lifecycle;
}

impl PriorHint for Action {
    fn prior_hint(self) -> Lifecycle {
        match self {
            Action::Start => Lifecycle::Stopped,
            Action::Stop | Action::Restart => Lifecycle::Running,
        }
    }
}
