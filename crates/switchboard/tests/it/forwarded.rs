//! `X-Forwarded-For` names the audit source only when the peer is a configured proxy, and then
//! only as far back as the chain of trusted proxies goes (nginx's `real_ip_recursive`).

use crate::common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

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
