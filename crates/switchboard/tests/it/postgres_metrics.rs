//! Each replica tells Prometheus, on a metrics listener of its own, whether it leads, under
//! which fencing token, and what it passed on to the leader while standing by: scraping every
//! replica does not count the leader's series three times (a standby's `/metrics` on its own
//! listener is its own, never the leader's).

use crate::common;
use crate::postgres_replicas::{standby, KEY};

use common::binary::{free_port, get, token, Server};
use std::time::Duration;

async fn scrape(port: u16) -> String {
    reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn value<'a>(metrics: &'a str, series: &str) -> Option<&'a str> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
}

#[tokio::test]
async fn each_replica_says_whether_it_leads_and_what_it_passed_on() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (metrics_a, metrics_b) = (free_port(), free_port());
    let args = |port: u16| {
        let listen = format!("127.0.0.1:{port}");
        vec![
            "--database-url".to_string(),
            url.clone(),
            "--metrics-listen".into(),
            listen,
        ]
    };
    let leader_args = args(metrics_a);
    let leader_args: Vec<&str> = leader_args.iter().map(String::as_str).collect();
    let leader = Server::launch(a.path(), free_port(), &leader_args, &[KEY]);
    leader.wait_up(Duration::from_secs(30)).await;
    let standby_args = args(metrics_b);
    let standby_args: Vec<&str> = standby_args.iter().map(String::as_str).collect();
    let standby = standby(b.path(), &standby_args, &[KEY]).await;

    let tok = token(&leader.base).await;
    let tasks = get(&standby.base, &tok, "/switchboard/v1/tasks").await;
    assert!(tasks.is_object() || tasks.is_array(), "{tasks}");

    let led = scrape(metrics_a).await;
    assert_eq!(
        value(&led, "switchboard_replica_leading"),
        Some("1"),
        "{led}"
    );
    let token: i64 = value(&led, "switchboard_serving_lease_token")
        .unwrap_or_else(|| panic!("{led}"))
        .parse()
        .unwrap();
    assert!(token >= 1);
    let passed = r#"switchboard_forwarded_connections_total{outcome="passed"}"#;
    assert_eq!(value(&led, passed), None, "the leader passed nothing on");

    let stood = scrape(metrics_b).await;
    assert_eq!(
        value(&stood, "switchboard_replica_leading"),
        Some("0"),
        "{stood}"
    );
    assert_eq!(value(&stood, "switchboard_serving_lease_token"), None);
    assert_eq!(value(&stood, passed), Some("1"), "{stood}");
}
