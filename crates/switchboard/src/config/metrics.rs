//! `[metrics]`: where Prometheus metrics are served.

use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Record and serve metrics at all.
    pub enabled: bool,
    /// Serve `/metrics` on a listener of its own at this address, without authentication;
    /// `None`: on the main listener, for credentials allowed `switchboard:metrics:get`.
    pub listen: Option<SocketAddr>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            listen: None,
        }
    }
}

impl MetricsConfig {
    /// A separate listener cannot share the main one's address.
    pub fn validate(&self, main: SocketAddr) -> anyhow::Result<()> {
        if self.listen == Some(main) && main.port() != 0 {
            anyhow::bail!("metrics.listen must differ from listen ({main})");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Overrides, DEMO};

    #[test]
    fn metrics_are_on_the_main_listener_unless_a_file_env_or_flag_says_otherwise() {
        let mut c = Config::parse(DEMO, "demo").unwrap();
        assert!(c.metrics.enabled && c.metrics.listen.is_none());
        let c2 = Config::parse(
            "[metrics]\nenabled = false\nlisten = \"127.0.0.1:9090\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(c2.metrics.listen, Some("127.0.0.1:9090".parse().unwrap()));
        assert!(!c2.metrics.enabled);
        c.apply_env(|k| (k == "SWITCHBOARD_METRICS_LISTEN").then(|| "127.0.0.1:9091".into()))
            .unwrap();
        assert_eq!(c.metrics.listen, Some("127.0.0.1:9091".parse().unwrap()));
        c.apply_flags(&Overrides {
            metrics_listen: Some("127.0.0.1:9092".parse().unwrap()),
            ..Overrides::default()
        });
        assert_eq!(c.metrics.listen, Some("127.0.0.1:9092".parse().unwrap()));
        assert!(c
            .apply_env(|k| (k == "SWITCHBOARD_METRICS_LISTEN").then(|| "nine".into()))
            .is_err());
        c.metrics.listen = Some(c.listen);
        assert!(c.validate().is_err());
        assert!(Config::parse("[metrics]\nport = 1\n", "t").is_err());
    }
}
