//! `X-Forwarded-For` names the audit source only when the peer is a configured proxy, and then
//! only as far back as the chain of trusted proxies goes (nginx's `real_ip_recursive`). So does
//! a PROXY protocol header (what a standby replica or a load balancer puts in front of a
//! connection it passes on): taken off whoever sends it, believed only from a trusted proxy.

use crate::common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Starts ZooKeeper with `X-Forwarded-For: 203.0.113.9, 10.0.0.1` (a client behind two proxies)
/// and returns the audit record's source.
async fn audited_source(s: &TestServer) -> String {
    audited_source_with(s, &["203.0.113.9, 10.0.0.1"]).await
}

/// The same, with these `X-Forwarded-For` lines.
async fn audited_source_with(s: &TestServer, lines: &[&str]) -> String {
    let mut request = s
        .client
        .post(format!(
            "{}/web/v1/maintain/cluster/1/service/ZooKeeper/start",
            s.base
        ))
        .header("X-Auth-Token", &s.token);
    for line in lines {
        request = request.header("X-Forwarded-For", *line);
    }
    let r = request
        .json(&json!({"only_self": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let audit = s.get("/switchboard/v1/audit?limit=10").await;
    let records = audit.body["records"].as_array().unwrap();
    let record = records
        .iter()
        .find(|a| a["action"] == "mrs:service:start")
        .unwrap_or_else(|| panic!("no audit record: {records:?}"));
    record["source"].as_str().unwrap().to_string()
}

/// A PROXY v2 header from 192.0.2.1:1000 to 127.0.0.1:80, marked as a replica's when `mark`.
pub(crate) fn proxy_header(mark: bool) -> Vec<u8> {
    let tlv: &[u8] = if mark { b"\xE5\x00\x02sb" } else { b"" };
    let mut h = b"\r\n\r\n\0\r\nQUIT\n\x21\x11".to_vec();
    h.extend_from_slice(&(12 + tlv.len() as u16).to_be_bytes());
    h.extend_from_slice(&[192, 0, 2, 1, 127, 0, 0, 1, 0x03, 0xE8, 0, 80]);
    h.extend_from_slice(tlv);
    h
}

/// The status line and body of one request written raw to `base`, after `prefix`.
pub(crate) async fn raw(base: &str, prefix: &[u8], request: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(&[prefix, request.as_bytes()].concat())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer));
    let _ = read.await.expect("the answer never ended");
    String::from_utf8_lossy(&answer).into_owned()
}

/// Starts ZooKeeper on a raw connection that begins with `prefix`; the audit record's source,
/// or `None` when the connection was closed unanswered.
async fn audited_source_behind(s: &TestServer, prefix: &[u8]) -> Option<String> {
    let body = r#"{"only_self": true}"#;
    let request = format!(
        "POST /web/v1/maintain/cluster/1/service/ZooKeeper/start HTTP/1.1\r\nHost: x\r\n\
         X-Auth-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        s.token,
        body.len()
    );
    let answer = raw(&s.base, prefix, &request).await;
    if answer.is_empty() {
        return None;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let audit = s.get("/switchboard/v1/audit?limit=1").await;
    Some(
        audit.body["records"][0]["source"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[tokio::test]
async fn a_proxy_header_names_the_client_only_from_a_trusted_proxy() {
    let trusting =
        TestServer::start(|c| c.api.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let source = audited_source_behind(&trusting, &proxy_header(false)).await;
    assert_eq!(source.as_deref(), Some("192.0.2.1"));
    // The header is taken off either way: the request behind it is served.
    let wary = TestServer::start(|_| {}).await;
    let source = audited_source_behind(&wary, &proxy_header(true)).await;
    assert_eq!(source.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_malformed_proxy_header_closes_the_connection_and_nothing_else() {
    let s = TestServer::start(|c| c.api.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let mut too_long = proxy_header(false);
    too_long[14..16].copy_from_slice(&60_000u16.to_be_bytes());
    let mut bad_version = proxy_header(false);
    bad_version[12] = 0x31;
    for prefix in [too_long, bad_version] {
        assert_eq!(audited_source_behind(&s, &prefix).await, None);
    }
    let before = s.get("/switchboard/v1/audit?limit=10").await;
    assert!(
        !before.body.to_string().contains("mrs:service:start"),
        "nothing ran: {}",
        before.body
    );
    // A plain client right after is served as ever.
    assert_eq!(audited_source_with(&s, &[]).await, "127.0.0.1");
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_not_the_audit_source() {
    let s = TestServer::start(|_| {}).await;
    assert_eq!(audited_source(&s).await, "127.0.0.1");
}

#[tokio::test]
async fn x_forwarded_for_from_a_trusted_proxy_is_the_audit_source() {
    let s = TestServer::start(|c| {
        c.api.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "10.0.0.1".parse().unwrap()]
    })
    .await;
    assert_eq!(audited_source(&s).await, "203.0.113.9");
}

#[tokio::test]
async fn entries_left_of_an_untrusted_hop_are_the_clients_own_words() {
    // 10.0.0.1 is not trusted: it may have written "203.0.113.9" itself.
    let s = TestServer::start(|c| c.api.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    assert_eq!(audited_source(&s).await, "10.0.0.1");
}

#[tokio::test]
async fn a_proxy_that_adds_its_own_line_is_read_after_the_clients_line() {
    // The client's own line comes first; the trusted proxy adds the address it saw.
    let s = TestServer::start(|c| c.api.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    assert_eq!(
        audited_source_with(&s, &["6.6.6.6", "203.0.113.9"]).await,
        "203.0.113.9"
    );
}
