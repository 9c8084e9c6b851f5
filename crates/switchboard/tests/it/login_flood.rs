//! A flood of parallel wrong logins from several addresses against the real binary: the
//! server's peak memory stays under a fixed ceiling (README, "Security model").

use crate::common;

use common::binary::{free_port, Server};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use switchboard::config::DEMO;

/// Peak RSS allowed with `auth.hash_workers = 2` (the README states it). The code before the
/// hashing pool peaked at 1679 MiB under this flood; with it, about 64 MiB.
const CEILING_MIB: u64 = 128;
const ADDRESSES: u8 = 8;
const PER_ADDRESS: usize = 50;

/// `VmHWM` (peak resident set) of a process, in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_parallel_wrong_logins_keep_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("flood.toml");
    let text = DEMO.replace("[auth]\n", "[auth]\nhash_workers = 2\n");
    assert_ne!(text, DEMO);
    std::fs::write(&config, text).unwrap();
    let server = Server::start_with(
        dir.path(),
        free_port(),
        &["--config", config.to_str().unwrap()],
    )
    .await;
    let idle = peak_rss_mib(server.pid());

    let mut flood = tokio::task::JoinSet::new();
    for a in 0..ADDRESSES {
        let client = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + a)))
            .timeout(Duration::from_secs(300))
            .build()
            .unwrap();
        for i in 0..PER_ADDRESS {
            // Half against the admin account, half against distinct unknown users.
            let user = if i % 2 == 0 {
                "admin".to_string()
            } else {
                format!("nobody-{a}-{i}")
            };
            let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
                {"name": user, "password": "wrong-guess", "domain": {"name": "switchboard"}}}}}});
            let (client, url) = (client.clone(), format!("{}/v3/auth/tokens", server.base));
            flood.spawn(async move {
                let r = client.post(url).json(&body).send().await.unwrap();
                let retry_after = r.headers().contains_key("retry-after");
                (r.status().as_u16(), retry_after)
            });
        }
    }
    let (mut refused, mut throttled, mut silent) = (0, 0, 0);
    while let Some(joined) = flood.join_next().await {
        match joined.unwrap() {
            (401, _) => refused += 1,
            (429, retry_after) => {
                throttled += 1;
                silent += usize::from(!retry_after);
            }
            (status, _) => panic!("a wrong login answered {status}"),
        }
    }
    let peak = peak_rss_mib(server.pid());
    println!(
        "login flood: {refused} × 401, {throttled} × 429; peak RSS {peak} MiB (idle {idle} MiB)"
    );
    assert!(refused > 0, "some attempts reached the password check");
    // Each failure is logged with the name tried, the peer and the request id; never the password.
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    let failed: Vec<&str> = log.lines().filter(|l| l.contains("login failed")).collect();
    assert_eq!(failed.len(), refused, "one line per failed login");
    assert!(failed.iter().all(|l| l.contains("request_id=")
        && l.contains("peer=Some(\"127.0.0.")
        && l.contains("user=\"")));
    assert!(!log.contains("wrong-guess"), "a password reached the log");
    assert_eq!(silent, 0, "every 429 says when to retry (Retry-After)");
    assert!(
        peak < CEILING_MIB,
        "peak RSS {peak} MiB exceeds the {CEILING_MIB} MiB ceiling"
    );
}
