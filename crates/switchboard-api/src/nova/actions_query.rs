//! Query parameters checked as Nova's query schemas do: known names only (where the schema
//! says so), single values, non-negative integers and date-times, each refused with Nova's
//! "Invalid input for query parameters …" 400.

use super::NovaError;
use chrono::{DateTime, NaiveDateTime};

/// The request's query, in order, as (name, value) pairs.
pub struct QueryParams(pub Vec<(String, String)>);

fn invalid(name: &str, value: &str, why: &str) -> NovaError {
    NovaError::bad_request(format!(
        "Invalid input for query parameters {name}. Value: {value}. {why}"
    ))
}

impl QueryParams {
    /// Refuses any parameter not in `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<(), NovaError> {
        match self.0.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            Some((k, v)) => Err(invalid(
                k,
                v,
                &format!("Additional properties are not allowed ('{k}' was unexpected)"),
            )),
            None => Ok(()),
        }
    }

    /// The one value of `name`; given twice is refused.
    pub fn single(&self, name: &str) -> Result<Option<&str>, NovaError> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        match values.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(invalid(
                name,
                &format!("{many:?}"),
                &format!("{many:?} is not of type 'string'"),
            )),
        }
    }

    /// `limit`: a non-negative integer.
    pub fn limit(&self) -> Result<Option<usize>, NovaError> {
        let Some(v) = self.single("limit")? else {
            return Ok(None);
        };
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "limit",
                v,
                &format!("'{v}' does not match '^[0-9]*$'"),
            ));
        }
        // Beyond usize is beyond any list: as good as no limit.
        Ok(Some(v.parse().unwrap_or(usize::MAX)))
    }

    /// A date-time parameter, as milliseconds since the epoch (UTC when no offset is given).
    pub fn datetime(&self, name: &str) -> Result<Option<i64>, NovaError> {
        let Some(v) = self.single(name)? else {
            return Ok(None);
        };
        parse_time(v)
            .map(Some)
            .ok_or_else(|| invalid(name, v, &format!("'{v}' is not a 'date-time'")))
    }
}

/// ISO 8601 with or without an offset (Nova's `parse_isotime` reads both).
pub fn parse_time(v: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp_millis());
    }
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn values_are_checked_like_nova() {
        assert_eq!(q(&[("limit", "3")]).limit().unwrap(), Some(3));
        assert!(q(&[("limit", "-1")]).limit().is_err());
        assert!(q(&[("limit", "1"), ("limit", "2")]).limit().is_err());
        assert!(q(&[("x", "1")]).only(&["limit"]).is_err());
        let t = q(&[("changes-since", "2024-01-01T00:00:00Z")]);
        assert_eq!(
            t.datetime("changes-since").unwrap(),
            Some(1_704_067_200_000)
        );
        let naive = q(&[("changes-since", "2024-01-01T00:00:00.5")]);
        assert_eq!(
            naive.datetime("changes-since").unwrap(),
            Some(1_704_067_200_500)
        );
        assert!(q(&[("changes-since", "yesterday")])
            .datetime("changes-since")
            .is_err());
    }
}
