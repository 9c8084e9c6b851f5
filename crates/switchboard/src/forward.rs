//! A standby replica passes each request on to the leading replica and streams its answer back
//! (event streams included), so that a client may be pointed at any replica. The client's
//! address goes along in `X-Forwarded-For`, which the leader believes from the replicas listed
//! in its `trusted_proxies`.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

/// Marks a request a standby passed on: another standby does not pass it on again (a leader's
/// address can, for a moment, be a restarted replica's that stands by).
pub const FORWARDED: &str = "x-switchboard-forwarded";

/// How long the leader may take to start answering: longer than its longest wait for a change
/// (`live_wait`, 10 s by default), short enough that a stalled leader's callers are told.
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// Headers about one connection, not the request: not passed on.
const HOP_BY_HOP: [header::HeaderName; 7] = [
    header::CONNECTION,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

const FORWARDED_TOTAL: &str = "switchboard_forwarded_requests_total";

/// Describes the standby's series (`# HELP` lines).
pub fn describe() {
    metrics::describe_counter!(
        FORWARDED_TOTAL,
        metrics::Unit::Count,
        "Requests this replica, standing by, passed on to the leader: `answered` (the leader's \
         answer went back), `unavailable` (no leader reached: 503)"
    );
}

fn counted(outcome: &'static str) {
    metrics::counter!(FORWARDED_TOTAL, "outcome" => outcome).increment(1);
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default()
    })
}

fn strip(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove("keep-alive");
}

/// Passes `request` on to `leader` (a base URL); `unavailable`'s answer when it cannot be
/// reached.
pub async fn to<F, Fut>(leader: &str, request: Request, unavailable: F) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response>,
{
    let unavailable = || {
        counted("unavailable");
        unavailable()
    };
    if request.headers().contains_key(FORWARDED) {
        return unavailable().await;
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{}{path}", leader.trim_end_matches('/'));
    let mut headers = parts.headers;
    strip(&mut headers);
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        let chain = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(before) => format!("{before}, {}", peer.ip()),
            None => peer.ip().to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&chain) {
            headers.insert("x-forwarded-for", value);
        }
    }
    headers.insert(FORWARDED, HeaderValue::from_static("1"));
    let sent = client()
        .request(parts.method, url)
        .headers(headers)
        .body(reqwest::Body::wrap_stream(body.into_data_stream()))
        .send();
    // Until the answer's head: a leader that stalls is taken over meanwhile (the body of an
    // event stream may then go on for as long as it lasts).
    let answer = match tokio::time::timeout(ANSWER_WITHIN, sent).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(err)) => {
            tracing::warn!(%err, "cannot pass a request on to the leading replica");
            return unavailable().await;
        }
        Err(_) => {
            tracing::warn!("the leading replica did not answer a request passed on to it");
            return unavailable().await;
        }
    };
    let mut response = Response::builder().status(answer.status());
    if let Some(headers) = response.headers_mut() {
        *headers = answer.headers().clone();
        strip(headers);
    }
    match response.body(Body::from_stream(answer.bytes_stream())) {
        Ok(response) => {
            counted("answered");
            response
        }
        Err(_) => unavailable().await,
    }
}
