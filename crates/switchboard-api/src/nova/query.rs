//! Query strings as Nova's JSON-schema validation reads them: every parameter may repeat, a
//! filter takes the last value, and a bad value is a 400 naming the parameter.

use super::NovaError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime};
use regex::{Regex, RegexBuilder};

/// Compiled size bound of a client's regular expression, so a hostile pattern cannot take
/// memory; matching with the `regex` crate is linear in the text, so it cannot take CPU.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest pattern accepted at all.
const REGEX_MAX_LEN: usize = 1024;

/// The query's `(name, value)` pairs in order.
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<Vec<(String, String)>>::from_request_parts(parts, state).await {
            Ok(Query(pairs)) => Ok(Params(pairs)),
            Err(_) => Err(NovaError::bad_request("Malformed request query").into_response()),
        }
    }
}

impl Params {
    /// The last value of `key`, as Nova's filters take it.
    pub fn last(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// 400 for any parameter not in `known`, as a schema without additional properties.
    pub fn only(&self, known: &[&str]) -> Result<(), NovaError> {
        let mut extra: Vec<&str> = Vec::new();
        for (k, _) in &self.0 {
            if !known.contains(&k.as_str()) && !extra.contains(&k.as_str()) {
                extra.push(k);
            }
        }
        match extra.as_slice() {
            [] => Ok(()),
            [one] => Err(NovaError::bad_request(format!(
                "Additional properties are not allowed ({} was unexpected)",
                repr(one)
            ))),
            many => Err(NovaError::bad_request(format!(
                "Additional properties are not allowed ({} were unexpected)",
                many.iter().map(|k| repr(k)).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// The one value of `key`, for schemas that take a single string; given twice is refused.
    pub fn single(&self, key: &str) -> Result<Option<&str>, NovaError> {
        match self.all(key).as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(invalid(
                key,
                &format!("{many:?}"),
                format!("{many:?} is not of type 'string'"),
            )),
        }
    }

    /// `limit` given once, a non-negative integer.
    pub fn limit(&self) -> Result<Option<usize>, NovaError> {
        self.single("limit")?
            .map(|v| non_negative("limit", v))
            .transpose()
    }

    /// The date-time `key` given once, in milliseconds.
    pub fn time(&self, key: &str) -> Result<Option<i64>, NovaError> {
        self.single(key)?.map(|v| datetime(key, v)).transpose()
    }

    /// Checks every value of `key` with `check`.
    pub fn each(
        &self,
        key: &str,
        check: impl Fn(&str, &str) -> Result<(), NovaError>,
    ) -> Result<(), NovaError> {
        self.all(key).into_iter().try_for_each(|v| check(key, v))
    }
}

/// Python's `repr` of a string, as jsonschema's messages quote values.
pub fn repr(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Nova's message for a query parameter that fails its schema.
pub fn invalid(key: &str, value: &str, message: String) -> NovaError {
    NovaError::bad_request(format!(
        "Invalid input for query parameters {key}. Value: {value}. {message}"
    ))
}

/// `parameter_types.non_negative_integer`.
pub fn non_negative(key: &str, value: &str) -> Result<usize, NovaError> {
    if value.is_empty() {
        return Err(invalid(key, value, "'' is too short".into()));
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            key,
            value,
            format!("{} does not match '^[0-9]*$'", repr(value)),
        ));
    }
    // Larger than any page: as good as the maximum.
    Ok(value.parse::<usize>().unwrap_or(usize::MAX))
}

/// A regular expression (Python's `re.search` semantics: unanchored), bounded in size.
pub fn regex(key: &str, value: &str) -> Result<Regex, NovaError> {
    let not = || invalid(key, value, format!("{} is not a 'regex'", repr(value)));
    if value.is_empty() || value.len() > REGEX_MAX_LEN {
        return Err(not());
    }
    RegexBuilder::new(value)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|_| not())
}

/// A `date-time` (ISO 8601, a zone or UTC), in milliseconds.
pub fn datetime(key: &str, value: &str) -> Result<i64, NovaError> {
    let parsed = DateTime::parse_from_rfc3339(value)
        .map(|t| t.timestamp_millis())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|t| t.and_utc().timestamp_millis())
        });
    parsed.map_err(|_| invalid(key, value, format!("{} is not a 'date-time'", repr(value))))
}

/// oslo's `bool_from_string(strict=True)`; `None` for an unrecognised value.
pub fn strict_bool(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "1" | "t" | "true" | "on" | "y" | "yes" => Some(true),
        "0" | "f" | "false" | "off" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// The message of oslo's strict boolean parse.
pub fn not_bool(value: &str) -> String {
    format!(
        "Unrecognized value '{value}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', \
         'off', 'on', 't', 'true', 'y', 'yes'"
    )
}

/// Nova's `utils.is_none_string`.
pub fn is_none_string(value: &str) -> bool {
    value.eq_ignore_ascii_case("none")
}

/// `percent-encoding` as Python's `urlencode` (`quote_plus`) writes a query.
pub fn urlencode(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~')
        .remove(b' ');
    let enc = |s: &str| utf8_percent_encode(s, SET).to_string().replace(' ', "+");
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_values_limits_and_times() {
        let q = |pairs: &[(&str, &str)]| {
            Params(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(q(&[("limit", "3")]).limit().unwrap(), Some(3));
        assert!(q(&[("limit", "-1")]).limit().is_err());
        assert!(q(&[("limit", "1"), ("limit", "2")]).limit().is_err());
        let t = q(&[("changes-since", "2024-01-01T00:00:00Z")]);
        assert_eq!(t.time("changes-since").unwrap(), Some(1_704_067_200_000));
        let naive = q(&[("changes-since", "2024-01-01T00:00:00.5")]);
        assert_eq!(
            naive.time("changes-since").unwrap(),
            Some(1_704_067_200_500)
        );
        assert!(q(&[("changes-since", "yesterday")])
            .time("changes-since")
            .is_err());
    }
}
