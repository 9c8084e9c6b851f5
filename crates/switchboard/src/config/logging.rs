//! `log_format`: how log lines are written to stderr.

use serde::Deserialize;

/// `text` for people reading a terminal or a journal, `json` (one object per line) for log
/// shippers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("log format must be text or json, not {s:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LogFormat;
    use crate::config::{Config, Overrides, DEMO};

    #[test]
    fn log_format_is_text_unless_file_env_or_flag_say_json() {
        let mut c = Config::parse(DEMO, "demo").unwrap();
        assert_eq!(c.log_format, LogFormat::Text);
        let mut c2 = Config::parse("log_format = \"json\"", "file").unwrap();
        assert_eq!(c2.log_format, LogFormat::Json);
        c2.apply_env(|k| (k == "SWITCHBOARD_LOG_FORMAT").then(|| "text".into()))
            .unwrap();
        assert_eq!(c2.log_format, LogFormat::Text);
        c.apply_flags(&Overrides {
            log_format: Some(LogFormat::Json),
            ..Overrides::default()
        });
        assert_eq!(c.log_format, LogFormat::Json);
        let err = c
            .apply_env(|k| (k == "SWITCHBOARD_LOG_FORMAT").then(|| "xml".into()))
            .unwrap_err();
        assert!(format!("{err:#}").contains("text or json"), "{err:#}");
        assert!(Config::parse("log_format = \"xml\"", "file").is_err());
    }
}
