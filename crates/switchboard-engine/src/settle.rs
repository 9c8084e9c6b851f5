//! Waiting until the engine has caught up with its drivers: after a simulated transition was
//! completed from outside the step (a read of a `manual` progression, an advance of the
//! simulated clock), whoever caused it waits until the engine shows the outcome, so that the
//! next read is exact rather than a race with the step that notices it.

use crate::Engine;
use std::time::Duration;
use switchboard_core::ResourceSpec;

impl Engine {
    /// Waits (at most `within`) until no resource `pick` chooses is still shown in transition
    /// while its driver already sees the transition's end.
    pub async fn settle(&self, pick: impl Fn(&ResourceSpec) -> bool, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        let mut changed = self.inner.changed.subscribe();
        loop {
            changed.borrow_and_update();
            if self.all_settled(&pick).await {
                return;
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return;
            }
        }
    }

    async fn all_settled(&self, pick: &impl Fn(&ResourceSpec) -> bool) -> bool {
        // The nodes in transition under a task, with what their driver will say.
        let pending: Vec<_> = {
            let world = self.inner.lock();
            (0..world.specs.len())
                .filter(|&n| !world.nodes[n].deleted && world.nodes[n].state.is_transitional())
                .filter(|&n| pick(&world.specs[n]))
                .filter_map(|n| {
                    let (_, action) = world.nodes[n].claim?;
                    Some((world.specs[n].clone(), world.drivers[n].clone(), action))
                })
                .collect()
        };
        for (spec, driver, action) in pending {
            if let Ok(seen) = driver.observe(&spec).await {
                if seen.state == action.target_state() || seen.state.is_failed() {
                    return false;
                }
            }
        }
        true
    }
}
