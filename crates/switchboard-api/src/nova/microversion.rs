//! Compute microversions: `X-OpenStack-Nova-API-Version: 2.x` or `OpenStack-API-Version: compute 2.x`.

use super::NovaError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const MIN: (u32, u32) = (2, 1);
/// The highest microversion whose changes to the servers API Switchboard renders.
pub const MAX: (u32, u32) = (2, 104);

/// The requested (or default) microversion of a compute request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Microversion(pub (u32, u32));

impl Microversion {
    pub fn at_least(&self, minor: u32) -> bool {
        self.0 >= (2, minor)
    }

    pub fn text(&self) -> String {
        format!("{}.{}", self.0 .0, self.0 .1)
    }

    /// Echoes the version in the response, as Nova does.
    pub fn echo(&self, headers: &mut HeaderMap) {
        let text = self.text();
        if let Ok(v) = HeaderValue::from_str(&format!("compute {text}")) {
            headers.insert("openstack-api-version", v);
        }
        if let Ok(v) = HeaderValue::from_str(&text) {
            headers.insert("x-openstack-nova-api-version", v);
        }
        headers.insert(
            "vary",
            HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
        );
    }

    /// Parses the request's version headers; absent means the minimum.
    pub fn from_headers(headers: &HeaderMap) -> Result<Microversion, NovaError> {
        // Bytes that are not UTF-8 are kept (as U+FFFD), so that they fail the parse as any
        // other malformed version does instead of passing for no header at all.
        let text_of = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let requested = text_of("openstack-api-version")
            .and_then(|v| {
                let mut parts = v.split_whitespace();
                (parts.next()?.eq_ignore_ascii_case("compute"))
                    .then(|| parts.next().unwrap_or("").to_string())
            })
            .or_else(|| text_of("x-openstack-nova-api-version"));
        let Some(text) = requested else {
            return Ok(Microversion(MIN));
        };
        if text.eq_ignore_ascii_case("latest") {
            return Ok(Microversion(MAX));
        }
        let parsed = text
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
            .ok_or_else(|| {
                NovaError::bad_request(format!(
                    "API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
                ))
            })?;
        if parsed < MIN || parsed > MAX {
            return Err(NovaError::new(
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "Version {text} is not supported by the API. Minimum is {}.{} and maximum is {}.{}.",
                    MIN.0, MIN.1, MAX.0, MAX.1
                ),
            ));
        }
        Ok(Microversion(parsed))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Microversion {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Microversion::from_headers(&parts.headers).map_err(IntoResponse::into_response)
    }
}
