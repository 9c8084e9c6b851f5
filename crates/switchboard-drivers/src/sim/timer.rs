//! Wake-ups at a precise instant. Tokio's timer counts 1 ms ticks and parks with millisecond
//! timeouts, so a sleep ends up to ~2 ms late: a simulated 5 ms step would take 5.5–7 ms and a
//! long chain of them 20–40% longer than configured. The last few milliseconds of a simulated
//! transition are waited for here instead: one thread (started on first use), a heap of
//! deadlines and a condition variable, which wakes within tens of microseconds on Linux.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Waits longer than this sleep on tokio's timer until they are this close to their end.
pub(crate) const PRECISE_WITHIN: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Queue {
    due: BinaryHeap<Reverse<(Instant, u64)>>,
    wakers: HashMap<u64, oneshot::Sender<()>>,
    next: u64,
    started: bool,
    closed: bool,
}

#[derive(Default)]
pub(crate) struct PreciseTimer {
    shared: Arc<(Mutex<Queue>, Condvar)>,
}

fn lock(m: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PreciseTimer {
    /// Completes at `at` (or soon after); waits of more than [`PRECISE_WITHIN`] should not
    /// come here, so that abandoned ones leave the heap quickly.
    pub fn sleep_until(&self, at: Instant) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let (queue, wake) = &*self.shared;
        let mut q = lock(queue);
        if !q.started {
            q.started = true;
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name("sim-timer".into())
                .spawn(move || run(&shared));
            if spawned.is_err() {
                // No thread: answer at once; the caller looks again and waits on tokio.
                return rx;
            }
        }
        let id = q.next;
        q.next += 1;
        let earliest = q.due.peek().is_none_or(|Reverse((first, _))| at < *first);
        q.due.push(Reverse((at, id)));
        q.wakers.insert(id, tx);
        if earliest {
            wake.notify_one();
        }
        rx
    }
}

impl Drop for PreciseTimer {
    fn drop(&mut self) {
        let (queue, wake) = &*self.shared;
        lock(queue).closed = true;
        wake.notify_one();
    }
}

fn run(shared: &(Mutex<Queue>, Condvar)) {
    let (queue, wake) = shared;
    let mut q = lock(queue);
    loop {
        if q.closed {
            return;
        }
        let now = Instant::now();
        while let Some(&Reverse((at, id))) = q.due.peek() {
            if at > now {
                break;
            }
            q.due.pop();
            if let Some(tx) = q.wakers.remove(&id) {
                let _ = tx.send(());
            }
        }
        q = match q.due.peek() {
            Some(&Reverse((at, _))) => match wake.wait_timeout(q, at - now) {
                Ok((q, _)) => q,
                Err(p) => p.into_inner().0,
            },
            None => wake.wait(q).unwrap_or_else(|p| p.into_inner()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wakes_at_the_instant_in_order() {
        let timer = PreciseTimer::default();
        let start = Instant::now();
        let late = timer.sleep_until(start + Duration::from_millis(6));
        let early = timer.sleep_until(start + Duration::from_millis(3));
        early.await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(3));
        late.await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(6));
    }
}
