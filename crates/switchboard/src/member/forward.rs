//! What a replica serving beside the leader passes on to it, request by request: the routes of
//! what only the leader keeps (the test team's controls: fault rules, transitions, the clock,
//! resets and snapshots), and every request while those controls are set (so that a rule
//! counts its matches, a transition its reads, in one place), while the member reads its world
//! again after a reset or restore, or when ids come from `[ids] seed` (one counter per kind).
//!
//! The request goes to the leader's URL with the client's address appended to
//! `X-Forwarded-For` (the leader believes it from replicas in its `trusted_proxies`, as it
//! believes their PROXY headers) and a mark, so that a stale leader address cannot send a
//! request round replicas in a loop: a member never passes on a marked request.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard_api::ProxiedFrom;
use tokio::sync::watch;

/// Marks a request a member passed on.
const MARK: &str = "x-switchboard-passed-on";

/// Routes of what only the leader keeps, by prefix.
const LEADERS_ROUTES: &[&str] = &[
    "/switchboard/v1/faults",
    "/switchboard/v1/transitions",
    "/switchboard/v1/clock",
    "/switchboard/v1/state/",
];

/// How long the leader may take to accept a connection before the client is answered 503.
const CONNECT_WITHIN: Duration = Duration::from_secs(2);

const FORWARDED_TOTAL: &str = "switchboard_forwarded_requests_total";

/// Describes the member's series (`# HELP` lines).
pub fn describe() {
    metrics::describe_counter!(
        FORWARDED_TOTAL,
        metrics::Unit::Count,
        "Requests this replica, serving beside the leader, passed on to it: `passed`, or \
         `unavailable` (the leader could not be reached: answered 503 here)"
    );
}

/// When and where a member passes requests on.
#[derive(Clone)]
pub struct Forward {
    /// The leader's URL (empty when it gave none).
    pub leader: Arc<watch::Sender<Option<String>>>,
    /// Set while the leader has controls set (`switchboard_api::shared`).
    pub controls: Arc<AtomicBool>,
    /// Set while the member reads its world again.
    pub reloading: Arc<AtomicBool>,
    /// `[ids] seed` is set: ids come from the leader's counters.
    pub seeded: bool,
    pub trusted: Arc<[IpAddr]>,
    pub client: reqwest::Client,
}

impl Forward {
    /// The HTTP client requests go to the leader with: no proxy from the environment, no
    /// redirect followed (the client sees the leader's answer as it is).
    pub fn client() -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_WITHIN)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
    }

    fn passes_on(&self, path: &str) -> bool {
        if ["/health", "/ready", "/metrics"].contains(&path) {
            // This replica's own.
            return false;
        }
        self.seeded
            || self.controls.load(Ordering::SeqCst)
            || self.reloading.load(Ordering::SeqCst)
            || LEADERS_ROUTES.iter().any(|p| path.starts_with(p))
    }
}

/// The layer: serves the request here, or passes it on to the leader.
pub async fn layer(State(forward): State<Forward>, req: Request, next: Next) -> Response {
    if !forward.passes_on(req.uri().path()) {
        return next.run(req).await;
    }
    if req.headers().contains_key(MARK) {
        return unavailable("the request was passed on to a replica that does not lead");
    }
    let leader = forward.leader.borrow().clone().unwrap_or_default();
    if leader.is_empty() {
        return unavailable("the leading replica gave no address to pass requests on to");
    }
    match pass_on(&forward, &leader, req).await {
        Ok(answer) => {
            metrics::counter!(FORWARDED_TOTAL, "outcome" => "passed").increment(1);
            answer
        }
        Err(err) => {
            tracing::warn!(%err, %leader, "cannot pass a request on to the leading replica");
            metrics::counter!(FORWARDED_TOTAL, "outcome" => "unavailable").increment(1);
            unavailable("the leading replica cannot be reached; retry shortly")
        }
    }
}

async fn pass_on(forward: &Forward, leader: &str, req: Request) -> reqwest::Result<Response> {
    let client = believed_client(forward, &req);
    let (parts, body) = req.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    // `Host` stays the client's: links the leader renders name the replica the client asked.
    let mut headers = without_hop_by_hop(parts.headers);
    if let Some(ip) = client {
        headers.append("x-forwarded-for", ip.to_string().parse().expect("an IP"));
    }
    headers.insert(MARK, "1".parse().expect("a header value"));
    let answer = forward
        .client
        .request(
            parts.method,
            format!("{}{path}", leader.trim_end_matches('/')),
        )
        .headers(headers)
        .body(reqwest::Body::wrap_stream(body.into_data_stream()))
        .send()
        .await?;
    let status = answer.status();
    let headers = without_hop_by_hop(answer.headers().clone());
    let mut out = Response::new(Body::from_stream(answer.bytes_stream()));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

/// The client as this replica believes it (the PROXY header of a trusted balancer, or the peer).
fn believed_client(forward: &Forward, req: &Request) -> Option<IpAddr> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0;
    let proxied = req.extensions().get::<ProxiedFrom>().copied();
    Some(
        ProxiedFrom::believed(peer, proxied, &forward.trusted)
            .ip()
            .to_canonical(),
    )
}

/// `headers` without those that describe one connection rather than the message (RFC 9110
/// 7.6.1), and those the `Connection` header names.
fn without_hop_by_hop(mut headers: HeaderMap) -> HeaderMap {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| name.trim().parse().ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers
}

/// 503 with `Retry-After`, in the neutral body start-up answers with.
fn unavailable(message: &str) -> Response {
    let body = json!({"error": {"code": "leader_unavailable", "message": message}});
    crate::startup::starting(axum::Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward(seeded: bool) -> Forward {
        Forward {
            leader: Arc::new(watch::channel(None).0),
            controls: Arc::default(),
            reloading: Arc::default(),
            seeded,
            trusted: Arc::from(Vec::new()),
            client: Forward::client().unwrap(),
        }
    }

    #[test]
    fn only_what_the_leader_keeps_is_passed_on_until_controls_are_set() {
        let f = forward(false);
        for path in ["/switchboard/v1/faults", "/switchboard/v1/faults/fired"] {
            assert!(f.passes_on(path), "{path}");
        }
        assert!(f.passes_on("/switchboard/v1/state/reset"));
        assert!(f.passes_on("/switchboard/v1/clock/advance"));
        assert!(!f.passes_on("/switchboard/v1/tasks"));
        assert!(!f.passes_on("/v1.1/p1/cluster_infos/1/start"));
        f.controls.store(true, Ordering::SeqCst);
        assert!(f.passes_on("/switchboard/v1/tasks"));
        f.controls.store(false, Ordering::SeqCst);
        f.reloading.store(true, Ordering::SeqCst);
        assert!(f.passes_on("/v3/auth/tokens"));
        assert!(!f.passes_on("/ready"), "a replica's readiness is its own");
        assert!(forward(true).passes_on("/switchboard/v1/tasks"));
    }

    #[test]
    fn hop_by_hop_headers_stay_on_their_connection() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, "keep-alive, x-private".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("x-private", "1".parse().unwrap());
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let kept = without_hop_by_hop(h);
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key(header::CONTENT_TYPE));
    }
}
