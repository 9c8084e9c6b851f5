//! A token bucket per client address, for endpoints that cost the server (password checks).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Most addresses tracked before the table is emptied.
const MAX_TRACKED: usize = 10_000;

pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(burst: u32, per_second: f64) -> Self {
        RateLimiter {
            burst: burst as f64,
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `key`'s bucket; false when it is empty.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(key) {
            buckets.clear();
        }
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_per_address() {
        let limiter = RateLimiter::new(3, 0.0);
        assert!((0..3).all(|_| limiter.allow("10.0.0.1")));
        assert!(!limiter.allow("10.0.0.1"));
        assert!(
            limiter.allow("10.0.0.2"),
            "other addresses have their own bucket"
        );
    }
}
