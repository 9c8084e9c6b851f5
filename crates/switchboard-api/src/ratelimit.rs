//! Rate limits for the endpoints that check passwords, per client address and per account:
//! GCRA buckets from `governor`, keyed by address or account.
//!
//! Memory stays bounded without ever resetting anyone's limit: idle keys (whose bucket is full
//! again, so forgetting them changes nothing) are dropped every few hundred checks, and if the
//! table is still full after that, every check is refused until keys age out.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Most keys one limiter tracks.
const MAX_TRACKED: usize = 100_000;
/// Idle keys are dropped every this many checks.
const SWEEP_EVERY: u64 = 512;

/// A limit was reached; retry after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited(pub Duration);

/// A keyed token bucket: `burst` at once, then `per_second` more each second.
pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RateLimiter {
    /// `burst` of at least 1 and a positive `per_second` (the configuration validates both).
    pub fn new(burst: u32, per_second: f64) -> Self {
        let period = if per_second.is_finite() && per_second > 0.0 {
            Duration::from_secs_f64(1.0 / per_second).max(Duration::from_nanos(1))
        } else {
            Duration::from_secs(3600)
        };
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        let clock = DefaultClock::default();
        RateLimiter {
            limiter: DefaultKeyedRateLimiter::dashmap_with_clock(quota, clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one cell from `key`'s bucket, or says how long until one is free.
    pub fn check(&self, key: &str) -> Result<(), Limited> {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        if n % SWEEP_EVERY == SWEEP_EVERY - 1 || self.limiter.len() >= MAX_TRACKED {
            self.limiter.retain_recent();
            if self.limiter.len() >= MAX_TRACKED {
                return Err(Limited(Duration::from_secs(1)));
            }
        }
        self.limiter
            .check_key(&key.to_string())
            .map_err(|not_until| Limited(not_until.wait_time_from(self.clock.now())))
    }

    /// Keys tracked now.
    #[cfg(test)]
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// What an address is limited under: an IPv4 address, or the /64 of an IPv6 one (a single host
/// usually holds a whole /64).
pub fn address_key(peer: Option<&str>) -> String {
    match peer.and_then(|p| p.parse::<std::net::IpAddr>().ok()) {
        Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        Some(ip) => ip.to_string(),
        None => peer.unwrap_or("unknown").to_string(),
    }
}

/// Seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_per_key_with_the_wait() {
        let limiter = RateLimiter::new(3, 0.01);
        assert!((0..3).all(|_| limiter.check("10.0.0.1").is_ok()));
        let Err(Limited(wait)) = limiter.check("10.0.0.1") else {
            panic!("the fourth attempt is refused");
        };
        assert!(wait > Duration::from_secs(90), "{wait:?}");
        assert!(
            limiter.check("10.0.0.2").is_ok(),
            "other keys have their own bucket"
        );
    }

    #[test]
    fn idle_keys_are_forgotten_but_limited_ones_are_kept() {
        let limiter = RateLimiter::new(2, 1e6);
        let hot = RateLimiter::new(1, 0.001);
        for i in 0..2 * SWEEP_EVERY {
            let _ = limiter.check(&format!("k{i}"));
            let _ = hot.check(&format!("k{i}"));
        }
        assert!(
            limiter.tracked() < SWEEP_EVERY as usize,
            "full buckets are dropped"
        );
        assert!(
            hot.check("k0").is_err(),
            "a sweep never resets a limited key"
        );
    }

    #[test]
    fn ipv6_addresses_share_their_64() {
        assert_eq!(address_key(Some("2001:db8:1:2::5")), "2001:db8:1:2::/64");
        assert_eq!(
            address_key(Some("2001:db8:1:2:ffff::9")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(address_key(Some("::ffff:10.1.2.3")), "10.1.2.3");
        assert_eq!(address_key(Some("127.0.0.2")), "127.0.0.2");
        assert_eq!(address_key(None), "unknown");
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2500)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(4)), 4);
    }
}
