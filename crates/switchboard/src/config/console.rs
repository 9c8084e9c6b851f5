//! `[console]`: the web console under `/console/`.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Serve the console, and send browsers asking `GET /` for a page to it; when false,
    /// `/console…` is an unknown path and `/` always answers Keystone's version document.
    pub enabled: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { enabled: true }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, DEMO};

    #[test]
    fn the_console_is_on_unless_the_file_turns_it_off() {
        assert!(Config::parse(DEMO, "demo").unwrap().console.enabled);
        assert!(Config::parse("", "t").unwrap().console.enabled);
        let off = Config::parse("[console]\nenabled = false\n", "t").unwrap();
        assert!(!off.console.enabled);
        assert!(Config::parse("[console]\nport = 1\n", "t").is_err());
    }
}
