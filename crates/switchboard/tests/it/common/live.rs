//! Live flow paths and Live's error, shared by the Live tests.

use super::Reply;
use reqwest::StatusCode;

/// The project's flows path with `rest`.
pub fn flows(rest: &str) -> String {
    format!("/v1/{}/flows{rest}", super::PROJECT)
}

/// Live's 400 `LIVE.100011001` whose message contains `needle`.
pub fn assert_live_error(r: &Reply, needle: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error_code"], "LIVE.100011001", "{}", r.body);
    let msg = r.body["error_msg"].as_str().unwrap();
    assert!(msg.contains(needle), "{needle:?} not in {msg}");
}
