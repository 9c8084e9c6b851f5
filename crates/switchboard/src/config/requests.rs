//! `[requests]`: the in-memory log of the last requests (`GET /switchboard/v1/requests`).

use anyhow::{bail, Result};
use serde::Deserialize;

/// Requests the built-in demo keeps (serve without `--config`): test teams' default.
pub const DEMO_LOG: usize = 1000;
/// Bounds that keep the log's memory small whatever the file says.
const MAX_LOG: usize = 100_000;
const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestsConfig {
    /// Requests kept, the oldest dropped first; 0: off (the default for a configuration file).
    pub log: usize,
    /// Bytes of each request body kept (the rest is counted, not kept).
    pub body_bytes: usize,
}

impl Default for RequestsConfig {
    fn default() -> Self {
        RequestsConfig {
            log: 0,
            body_bytes: 4096,
        }
    }
}

impl RequestsConfig {
    pub fn validate(&self) -> Result<()> {
        if self.log > MAX_LOG {
            bail!("requests.log must be at most {MAX_LOG}, not {}", self.log);
        }
        if self.body_bytes > MAX_BODY_BYTES {
            bail!(
                "requests.body_bytes must be at most {MAX_BODY_BYTES}, not {}",
                self.body_bytes
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Overrides, DEMO};

    #[test]
    fn off_in_a_file_that_does_not_set_it_on_in_the_built_in_demo() {
        assert_eq!(Config::parse("", "t").unwrap().requests.log, 0);
        assert_eq!(Config::parse(DEMO, "demo").unwrap().requests.log, 0);
        let demo = Config::load(None, &Overrides::default()).unwrap();
        assert_eq!(demo.requests.log, super::DEMO_LOG);
        let on = Config::parse("[requests]\nlog = 5\nbody_bytes = 10\n", "t").unwrap();
        assert_eq!((on.requests.log, on.requests.body_bytes), (5, 10));
        assert!(Config::parse("[requests]\nlog = 1000000\n", "t")
            .unwrap()
            .requests
            .validate()
            .is_err());
    }

    #[test]
    fn the_environment_sets_it() {
        let mut c = Config::parse("", "t").unwrap();
        c.apply_env(|k| (k == "SWITCHBOARD_REQUEST_LOG").then(|| "7".into()))
            .unwrap();
        assert_eq!(c.requests.log, 7);
        assert!(c
            .apply_env(|k| (k == "SWITCHBOARD_REQUEST_LOG").then(|| "x".into()))
            .is_err());
    }
}
