//! A standby passes each connection on to the leader whole, behind a PROXY protocol header: the
//! leader sees the client's own address (the standby is a trusted proxy), a standby still
//! answers its own `/health`, a connection passed on once is never passed on again, and a full
//! standby makes room as a full leader does.

use crate::common;
use crate::forwarded::{proxy_header, raw};
use crate::postgres_replicas::{pair, standby, KEY};

use common::binary::{free_port, get, token, Server};
use common::launch;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_standby_passes_connections_on_with_the_clients_address() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Both replicas trust 127.0.0.1, the address a standby connects to the leader from.
    let config = a.path().join("replicas.toml");
    let trusting = switchboard::config::DEMO.replacen(
        "[api]\n",
        "[api]\ntrusted_proxies = [\"127.0.0.1\"]\n",
        1,
    );
    assert_ne!(trusting, switchboard::config::DEMO);
    std::fs::write(&config, trusting).unwrap();
    let config = config.to_str().unwrap();
    let (leader, standby) = pair(&url, a.path(), b.path(), &[KEY], &["--config", config]).await;

    // A client on 127.0.0.2 starts ZooKeeper through the standby.
    let client = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let tok = token(&leader.base).await;
    let started = client
        .post(format!(
            "{}/web/v1/maintain/cluster/1/service/ZooKeeper/start",
            standby.base
        ))
        .header("X-Auth-Token", &tok)
        .json(&json!({"only_self": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200, "{:?}", started.text().await);
    let audit = get(&leader.base, &tok, "/switchboard/v1/audit?limit=10").await;
    let record = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "mrs:service:start")
        .cloned()
        .unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(record["source"], "127.0.0.2", "{record}");

    // The standby's own health, not the leader's; and the connection closed after it (not kept
    // for requests this replica would answer 503 until the client gave up on it).
    let health = raw(
        &standby.base,
        b"",
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");
    assert!(health.contains("standing_by"), "{health}");
    // Anything else is the leader's: no token, 401.
    let tasks = "GET /switchboard/v1/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let passed = raw(&standby.base, b"", tasks).await;
    assert!(passed.starts_with("HTTP/1.1 401"), "{passed}");
    // So is a connection a load balancer put a PROXY header in front of.
    let balanced = raw(&standby.base, &proxy_header(false), tasks).await;
    assert!(balanced.starts_with("HTTP/1.1 401"), "{balanced}");
    // One a replica already passed on is answered here: never passed round in a loop.
    let looped = raw(&standby.base, &proxy_header(true), tasks).await;
    assert!(looped.starts_with("HTTP/1.1 503"), "{looped}");
    assert!(looped.contains("standing_by"), "{looped}");
    let body: Value = serde_json::from_str(looped.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["phase"], "standing_by");
}

#[tokio::test]
async fn a_full_standby_closes_idle_connections_it_passed_on() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let leader = Server::launch(a.path(), free_port(), &["--database-url", &url], &[KEY]);
    leader.wait_up(Duration::from_secs(30)).await;
    // The standby serves two connections at once, the leader many.
    let config = launch::config_file(b.path(), "[server]\nmax_connections = 2");
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let standby = standby(b.path(), &args, &[KEY]).await;

    // Two clients ask once and keep their connections, silent.
    let tasks = "GET /switchboard/v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut silent = Vec::new();
    for _ in 0..2 {
        let addr = standby.base.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(tasks.as_bytes()).await.unwrap();
        let mut answer = [0u8; 12];
        s.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"HTTP/1.1 401", "the leader's answer");
        silent.push(s);
    }
    // A third gets in once one of them has been idle a second while the standby was full, not
    // when the leader closes them (its idle timeout, 60 s).
    let asked = Instant::now();
    let third = reqwest::Client::new()
        .get(format!("{}/switchboard/v1/tasks", standby.base))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("a full standby kept its idle connections");
    assert_eq!(third.status(), 401);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
}

#[tokio::test]
async fn a_slow_client_through_a_standby_meets_the_leaders_head_timeout() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config = launch::config_file(a.path(), "[server]\nheader_read_timeout = \"1s\"");
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let leader = Server::launch(a.path(), free_port(), &args, &[KEY]);
    leader.wait_up(Duration::from_secs(30)).await;
    let standby = standby(b.path(), &["--database-url", &url], &[KEY]).await;

    // Half a request head, then nothing (slowloris), through the standby.
    let addr = standby.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /switchboard/v1/tasks HTTP/1.1\r\nHost:")
        .await
        .unwrap();
    let began = Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the standby kept a slow client's connection"
    );
    // The leader's 1 s, not the standby's 10 s default.
    assert!(
        began.elapsed() < Duration::from_secs(8),
        "{:?}",
        began.elapsed()
    );
}
