//! The real binary's probes and its metrics listener: `/ready` (and `/health`) answer 503 with
//! the phase while a large inventory is synced, every other request a neutral 503, then 200;
//! `[metrics] listen` serves `/metrics` without authentication on an address of its own.

use crate::common;

use common::binary::{free_port, token, Server};
use common::launch::{config_file, serve, Running};
use serde_json::Value;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Probe-Test-Password-1";
const PHASES: [&str; 4] = [
    "opening_store",
    "syncing_inventory",
    "recovering_tasks",
    "ready",
];

/// A cluster of `n` services, each depending on the one before: a large inventory to sync.
fn large_cluster(n: usize) -> String {
    let mut toml = String::from(
        "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"big\"\nversion = \"3.1.0\"\nservices = [\n",
    );
    for i in 0..n {
        let deps = if i == 0 {
            String::new()
        } else {
            format!(", depends_on = [\"s{}\"]", i - 1)
        };
        toml.push_str(&format!("  {{ name = \"s{i}\"{deps} }},\n"));
    }
    toml.push_str("]\n");
    toml
}

#[tokio::test]
async fn a_slow_start_answers_503_with_its_phase_then_200() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &large_cluster(20_000));
    let port = free_port();
    let mut cmd = serve(&dir.path().join("data"), port, dir.path(), Some(PASSWORD));
    cmd.arg("--config").arg(&config);
    let child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let (mut phases, mut other_during_start) = (Vec::new(), None);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "never ready");
        let Ok(r) = client.get(format!("{base}/ready")).send().await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        let phase = body["phase"].as_str().unwrap().to_string();
        assert!(PHASES.contains(&phase.as_str()), "{body}");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        if phases.last() != Some(&phase) {
            phases.push(phase.clone());
        }
        if status == 200 {
            assert_eq!(
                (phase.as_str(), &body["ready"]),
                ("ready", &Value::Bool(true))
            );
            break;
        }
        assert_eq!(
            (status, &body["ready"]),
            (503, &Value::Bool(false)),
            "{body}"
        );
        if other_during_start.is_none() {
            let health = client.get(format!("{base}/health")).send().await.unwrap();
            let other = client.get(format!("{base}/v3")).send().await.unwrap();
            let retry_after = other.headers().get("retry-after").cloned();
            let body: Value = other.json().await.unwrap();
            other_during_start = Some((health.status().as_u16(), retry_after, body));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _running = Running {
        child,
        base: base.clone(),
    };
    assert!(phases.len() >= 2, "no 503 seen before 200: {phases:?}");
    let rank = |p: &String| PHASES.iter().position(|q| q == p).unwrap();
    assert!(
        phases.windows(2).all(|w| rank(&w[0]) < rank(&w[1])),
        "{phases:?}"
    );
    let (health, retry_after, body) = other_during_start.unwrap();
    // A request made during start-up is refused at once, not left hanging.
    assert_eq!(health, 503);
    assert_eq!(retry_after.unwrap(), "1");
    assert_eq!(body["error"]["code"], "starting", "{body}");
    assert!(PHASES.contains(&body["error"]["phase"].as_str().unwrap()));

    // Then everything is served: the big cluster included.
    let health: Value = client
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    let t = {
        let body = serde_json::json!({"auth": {"identity": {"methods": ["password"], "password":
            {"user": {"name": "admin", "password": PASSWORD, "domain": {"name": "switchboard"}}}},
            "scope": {"project": {"id": common::PROJECT}}}});
        let r = client
            .post(format!("{base}/v3/auth/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.headers()["x-subject-token"].to_str().unwrap().to_string()
    };
    let r = client
        .get(format!("{base}/web/v1/cluster/2/services/s19999"))
        .header("X-Auth-Token", t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_metrics_listener_of_its_own_needs_no_token_and_the_main_one_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_port = free_port();
    let at = format!("127.0.0.1:{metrics_port}");
    let s = Server::start_with(dir.path(), free_port(), &["--metrics-listen", &at]).await;
    let client = reqwest::Client::new();
    let t = token(&s.base).await;
    // Something to count: a token request and an MRS read.
    let r = common::binary::get(&s.base, &t, "/web/v1/clusters").await;
    assert!(r["clusterList"].is_array() || r.is_object(), "{r}");

    let r = client
        .get(format!("http://{at}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("# TYPE switchboard_http_requests_total counter"),
        "{text}"
    );
    assert!(text.contains("route=\"/v3/auth/tokens\""), "{text}");
    assert!(text.contains("process_resident_memory_bytes"), "{text}");
    let r = client
        .get(format!("http://{at}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "only /metrics there");

    // The main listener has no /metrics then, whatever the credential.
    let r = client
        .get(format!("{}/metrics", s.base))
        .header("X-Auth-Token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], "APIGW.0101");
}
