//! Timestamp formats of the wire contracts.

use chrono::{DateTime, SecondsFormat, Utc};

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Keystone's `2015-11-09T01:42:57.527363Z` (microseconds).
pub fn iso_micros(ms: i64) -> String {
    at(ms).to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// ISO-8601 with milliseconds and a trailing Z.
pub fn iso_millis(ms: i64) -> String {
    at(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}
