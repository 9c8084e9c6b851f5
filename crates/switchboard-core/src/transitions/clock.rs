//! The simulated world's clock: the wall clock plus an offset a test moves forward. Whoever
//! waits on simulated time subscribes, and is woken when the clock jumps or a read lands.

use crate::{now_millis, Millis};
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::watch;

/// Longest single advance accepted (a year).
pub const MAX_ADVANCE_SECONDS: f64 = 366.0 * 86_400.0;

pub struct SimClock {
    offset_ms: AtomicI64,
    changed: watch::Sender<u64>,
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock {
            offset_ms: AtomicI64::new(0),
            changed: watch::channel(0).0,
        }
    }
}

impl SimClock {
    /// The simulated time now.
    pub fn now(&self) -> Millis {
        now_millis() + self.offset_ms()
    }

    /// How far the simulated clock is ahead of the wall clock.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Sets the offset (restoring it at start); never moves it back.
    pub fn restore(&self, offset_ms: i64) {
        self.offset_ms.fetch_max(offset_ms.max(0), Ordering::SeqCst);
        self.notify();
    }

    /// Moves the clock forward by `ms` (negative is ignored) and wakes every waiter; returns
    /// the new offset.
    pub fn advance(&self, ms: i64) -> i64 {
        let offset = self.offset_ms.fetch_add(ms.max(0), Ordering::SeqCst) + ms.max(0);
        self.notify();
        offset
    }

    /// Wakes whoever waits on simulated time or reads.
    pub fn notify(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver that sees every advance and every counted read.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
