//! Watches resources at rest on drivers that ask for it (real processes): a service that ends
//! on its own, or is started from outside, shows its new state with the driver's words.

use crate::Inner;
use std::sync::{Arc, Weak};
use switchboard_core::now_millis;
use switchboard_store::Write;

pub(crate) fn spawn(inner: &Arc<Inner>) {
    let watched = {
        let world = inner.lock();
        world.drivers.iter().any(|d| d.monitored())
    };
    if watched {
        tokio::spawn(run(Arc::downgrade(inner)));
    }
}

async fn run(engine: Weak<Inner>) {
    loop {
        let interval = match engine.upgrade() {
            Some(inner) => inner.config.monitor_interval,
            None => return,
        };
        tokio::time::sleep(interval).await;
        let Some(inner) = engine.upgrade() else {
            return;
        };
        let at_rest: Vec<_> = {
            let world = inner.lock();
            (0..world.nodes.len())
                .filter(|&n| {
                    let node = &world.nodes[n];
                    !node.deleted
                        && node.claim.is_none()
                        && !node.state.is_transitional()
                        && world.drivers[n].monitored()
                })
                .map(|n| {
                    (
                        n,
                        world.specs[n].clone(),
                        world.drivers[n].clone(),
                        world.nodes[n].state,
                    )
                })
                .collect()
        };
        for (node, spec, driver, was) in at_rest {
            let Ok(seen) = driver.observe(&spec).await else {
                continue;
            };
            if seen.state == was || seen.state.is_transitional() {
                continue;
            }
            let changed = {
                let mut world = inner.lock();
                let n = &mut world.nodes[node];
                // A task may have claimed it meanwhile; then the task decides.
                if n.claim.is_some() || n.state != was {
                    false
                } else {
                    n.state = seen.state;
                    n.last_error = seen.detail.clone();
                    n.updated_at = now_millis();
                    true
                }
            };
            if changed {
                tracing::warn!(resource = %spec.id, from = was.as_str(), to = seen.state.as_str(),
                    detail = seen.detail.as_deref().unwrap_or(""), "resource changed outside the engine");
                let event =
                    crate::events::resource(&spec, seen.state, None, seen.detail.as_deref(), None);
                inner.store.enqueue(vec![
                    Write::SetResource {
                        id: spec.id.clone(),
                        state: seen.state,
                        active_task: None,
                        last_error: seen.detail,
                        updated_at: now_millis(),
                    },
                    event,
                ]);
                inner.notify_changed();
            }
        }
    }
}
