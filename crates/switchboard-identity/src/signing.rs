//! Huawei Cloud `SDK-HMAC-SHA256` request signatures, computed exactly as the official SDK's
//! signer does, so that a verifier can rebuild the canonical request from what it received.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The header in which a client declares its body's SHA-256, or `UNSIGNED-PAYLOAD`.
pub const CONTENT_SHA256_HEADER: &str = "x-sdk-content-sha256";
/// The declared payload hash with which a client leaves its body out of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// SHA-256 of the empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The parts of an `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header.
#[derive(Clone, PartialEq, Eq)]
pub struct SdkAuthorization {
    pub access_key: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl std::fmt::Debug for SdkAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkAuthorization")
            .field("access_key", &self.access_key)
            .field("signed_headers", &self.signed_headers)
            .finish_non_exhaustive()
    }
}

impl SdkAuthorization {
    /// Parses the header value; `None` if it is not a well-formed SDK-HMAC-SHA256 authorization.
    pub fn parse(value: &str) -> Option<SdkAuthorization> {
        let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
        let (mut access, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k {
                "Access" => access = Some(v.to_string()),
                "SignedHeaders" => {
                    signed = Some(v.split(';').map(str::to_string).collect::<Vec<_>>())
                }
                "Signature" => signature = Some(v.to_string()),
                _ => return None,
            }
        }
        let auth = SdkAuthorization {
            access_key: access.filter(|a| is_access_key(a))?,
            signed_headers: signed.filter(|s| s.iter().all(|h| !h.is_empty()))?,
            signature: signature.filter(|s| !s.is_empty())?,
        };
        Some(auth)
    }
}

/// Whether `ak` has the shape of an access key: 1 to 128 letters, digits, `-` or `_` (the
/// server's own are 20 upper-case letters and digits). Anything else is refused before it is
/// looked up or remembered.
pub fn is_access_key(ak: &str) -> bool {
    (1..=128).contains(&ak.len())
        && ak
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A request as the server received it.
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    /// The path as sent (still percent-encoded).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    /// Headers by name (any case); the first value of a name counts.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl ReceivedRequest<'_> {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Everything but RFC 3986's unreserved characters is escaped, as Python's `quote(s, safe='~')`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 encoding with only unreserved characters left as they are (upper-case hex).
pub fn encode(raw: &[u8]) -> String {
    percent_encode(raw, UNRESERVED).to_string()
}

/// Percent-decoding to bytes; a `%` not followed by two hex digits stays as it is.
pub fn decode(text: &str) -> Vec<u8> {
    percent_decode_str(text).collect()
}

/// The path decoded, split on `/`, each segment re-encoded, with a trailing `/`.
pub fn canonical_uri(path: &str) -> String {
    let decoded = decode(path);
    let mut uri = decoded
        .split(|&b| b == b'/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Pairs decoded, sorted by (key, value), re-encoded and joined with `&`.
pub fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), Vec::new()),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name:value` lines for the signed headers, in the order signed; a missing header is empty.
pub fn canonical_headers(req: &ReceivedRequest, signed_headers: &[String]) -> String {
    signed_headers
        .iter()
        .map(|h| format!("{h}:{}\n", req.header(h).unwrap_or("").trim()))
        .collect()
}

/// The payload line: SHA-256 of the bytes received, or `UNSIGNED-PAYLOAD` when the client said
/// so in an `X-Sdk-Content-Sha256` header that it signed (as the official SDK does). A declared
/// hash is never trusted: if it is not the body's, the signature does not verify.
pub fn payload_hash(req: &ReceivedRequest, signed_headers: &[String]) -> String {
    let declared_signed = signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case(CONTENT_SHA256_HEADER));
    let unsigned = req.header(CONTENT_SHA256_HEADER).map(str::trim) == Some(UNSIGNED_PAYLOAD);
    if declared_signed && unsigned {
        UNSIGNED_PAYLOAD.to_string()
    } else {
        hex::encode(Sha256::digest(req.body))
    }
}

/// The canonical request the SDK signs, rebuilt from the received request.
pub fn canonical_request(req: &ReceivedRequest, signed_headers: &[String]) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers(req, signed_headers),
        signed_headers.join(";"),
        payload_hash(req, signed_headers)
    )
}

pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// hex(HMAC-SHA256(secret key, string to sign)).
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `auth` is the SDK's signature of `req` with `secret_key` (constant-time comparison).
pub fn verify(req: &ReceivedRequest, auth: &SdkAuthorization, secret_key: &str) -> bool {
    let Some(date) = req.header("x-sdk-date") else {
        return false;
    };
    let canonical = canonical_request(req, &auth.signed_headers);
    let expected = signature(secret_key, &string_to_sign(date, &canonical));
    expected.as_bytes().ct_eq(auth.signature.as_bytes()).into()
}

/// Parses `X-Sdk-Date` (`20250101T000000Z`) into seconds since the epoch.
pub fn parse_sdk_date(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| value.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Days from civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s)
}
