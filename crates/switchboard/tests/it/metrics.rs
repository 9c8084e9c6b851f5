//! Prometheus `/metrics` on the main listener: a credential allowed `switchboard:metrics:get`
//! is needed, route labels are templates (bounded series), and a workload shows up in the
//! engine's, the store's and the process's series. The recorder is global to the test process,
//! so counts are compared before and after, never taken as absolute.

use crate::common;

use common::identity::{server, token};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The exposition, as the admin sees it.
async fn scrape(s: &TestServer) -> String {
    let r = s
        .client
        .get(format!("{}/metrics", s.base))
        .header("X-Auth-Token", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    r.text().await.unwrap()
}

/// The sample of `name` whose labels include every one of `labels` (0 when absent).
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Series of `name` whose labels include `label` (lines of samples, `# HELP`/`# TYPE` aside).
fn series(text: &str, name: &str, label: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
        .count()
}

#[tokio::test]
async fn metrics_on_the_main_listener_need_a_token_and_the_metrics_permission() {
    let s = server().await;
    let r = s.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error_code"], "APIGW.0301");
    let r = s
        .call(Method::GET, "/metrics", Some("not-a-token"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A viewer reads them (a `get`); a Deny of the action takes them away.
    let deny = json!({"document": {"Version": "1.1", "Statement": [
        {"Effect": "Deny", "Action": ["switchboard:metrics:*"]}]}});
    let r = s
        .call(
            Method::PUT,
            "/switchboard/v1/policies/no-metrics",
            Some(&s.token),
            Some(deny),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (name, policies) in [("mira", json!([])), ("nico", json!(["no-metrics"]))] {
        let body = json!({"name": name, "password": "Metrics-Password-1",
            "roles": {"local-1": "viewer"}, "policies": policies});
        let r = s.post("/switchboard/v1/users", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mira = token(&s, "mira", "Metrics-Password-1", PROJECT).await;
    let r = s
        .client
        .get(format!("{}/metrics", s.base))
        .header("X-Auth-Token", mira);
    assert_eq!(r.send().await.unwrap().status(), 200);
    let nico = token(&s, "nico", "Metrics-Password-1", PROJECT).await;
    let r = s.call(Method::GET, "/metrics", Some(&nico), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"]["code"], "forbidden");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("switchboard:metrics:get"));

    let text = scrape(&s).await;
    let denied = ["route=\"/metrics\"", "status=\"403\""];
    assert!(sample(&text, "switchboard_http_requests_total", &denied) >= 1.0);
}

#[tokio::test]
async fn a_thousand_unknown_paths_do_not_make_a_thousand_series() {
    let s = TestServer::start(|_| {}).await;
    let before = scrape(&s).await;
    for i in 0..1000 {
        let path = if i % 2 == 0 {
            format!("/no/such/path/{i}")
        } else {
            format!("/switchboard/v1/tasks/{}", 1_000_000 + i)
        };
        let r = s.call(Method::GET, &path, Some(&s.token), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let after = scrape(&s).await;
    // Series are per route template and status: a handful for the unmatched paths, however
    // many there were (other tests of this process may add routes of their own meanwhile).
    let name = "switchboard_http_requests_total";
    assert!(series(&after, name, "route=\"unmatched\"") <= 5, "{after}");
    assert!(
        series(&after, name, "route=\"/switchboard/v1/tasks/{id}\"") <= 5,
        "{after}"
    );
    assert!(series(&after, name, "") < 200, "{after}");
    assert!(!after.contains("/no/such/path") && !after.contains("1000001"));
    let unmatched = ["route=\"unmatched\"", "status=\"404\""];
    let grew = sample(&after, name, &unmatched) - sample(&before, name, &unmatched);
    assert!(grew >= 500.0, "{grew}");
    let task = [
        "family=\"native\"",
        "route=\"/switchboard/v1/tasks/{id}\"",
        "method=\"GET\"",
        "status=\"404\"",
    ];
    assert!(sample(&after, name, &task) - sample(&before, name, &task) >= 500.0);
    let latency = "switchboard_http_request_duration_seconds_bucket";
    assert!(sample(&after, latency, &[task[1], "le=\"+Inf\""]) >= 500.0);
}

#[tokio::test]
async fn a_workload_shows_in_task_step_store_and_process_series() {
    let s = TestServer::start(|_| {}).await;
    let before = scrape(&s).await;
    let id = s.operate("HDFS", "start", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    let after = scrape(&s).await;
    let grew =
        |name: &str, labels: &[&str]| sample(&after, name, labels) - sample(&before, name, labels);

    assert!(grew("switchboard_tasks_total", &["state=\"COMPLETE\""]) >= 1.0);
    assert!(grew("switchboard_tasks_total", &["state=\"IN_PROGRESS\""]) >= 1.0);
    let steps = "switchboard_step_duration_seconds_count";
    assert!(
        grew(
            steps,
            &["driver=\"sim\"", "action=\"start\"", "outcome=\"done\""]
        ) >= 2.0
    );
    assert!(grew("switchboard_store_commit_duration_seconds_count", &[]) >= 1.0);
    assert!(grew("switchboard_store_commit_group_size_count", &[]) >= 1.0);
    // The writer checkpoints between groups at most every 50 ms; the steps take longer.
    assert!(grew("switchboard_store_checkpoint_duration_seconds_count", &[]) >= 1.0);
    let mrs = ["family=\"mrs\"", "method=\"POST\"", "status=\"200\""];
    assert!(grew("switchboard_http_requests_total", &mrs) >= 1.0);
    for gauge in ["switchboard_tasks_in_flight", "switchboard_steps_in_flight"] {
        assert!(after.contains(&format!("# TYPE {gauge} gauge")), "{gauge}");
    }
    assert!(sample(&after, "process_resident_memory_bytes", &[]) > 1e6);
    assert!(sample(&after, "process_open_fds", &[]) >= 3.0);
}

#[tokio::test]
async fn metrics_turned_off_answer_like_an_unknown_path() {
    let s = TestServer::start(|c| c.metrics.enabled = false).await;
    let r = s.get("/metrics").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error_code"], "APIGW.0101");
}

#[tokio::test]
async fn retried_and_failed_steps_are_counted() {
    let fault = |resource: &str, n: u32| switchboard_drivers::SimFault {
        resource: resource.into(),
        action: None,
        fail_next: Some(n),
        message: Some("injected".into()),
        hang: false,
        take: None,
    };
    // DBService fails once and succeeds on its retry; LdapServer fails every attempt (3).
    let s =
        TestServer::start(|c| c.sim.faults = vec![fault("DBService", 1), fault("LdapServer", 10)])
            .await;
    let before = scrape(&s).await;
    let ok = s.operate("DBService", "start", true).await;
    assert_eq!(s.wait_command(ok).await["state"], "COMPLETE");
    let failed = s.operate("LdapServer", "start", true).await;
    assert_eq!(s.wait_command(failed).await["state"], "FAILED");
    let after = scrape(&s).await;
    let grew =
        |name: &str, labels: &[&str]| sample(&after, name, labels) - sample(&before, name, labels);
    let sim_start = ["driver=\"sim\"", "action=\"start\""];
    assert!(grew("switchboard_step_retries_total", &sim_start) >= 3.0);
    assert!(grew("switchboard_steps_failed_total", &sim_start) >= 1.0);
    assert!(grew("switchboard_tasks_total", &["state=\"FAILED\""]) >= 1.0);
    let failed_steps = ["driver=\"sim\"", "outcome=\"failed\""];
    assert!(grew("switchboard_step_duration_seconds_count", &failed_steps) >= 1.0);
}
