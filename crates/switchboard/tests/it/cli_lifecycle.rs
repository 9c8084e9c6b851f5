//! Every family's lifecycle command with `--wait`, through the real binary against a real
//! server: MRS services (with dependencies), Nova servers (soft reboot), DBSS instances, Live
//! flows and BMS v1 batch jobs; and `task watch` attaching to a task started elsewhere.

use crate::common;

use common::cli::setup;
use serde_json::Value;

fn step_names(task: &Value) -> Vec<String> {
    task["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["action"].as_str().unwrap(),
                s["resource_name"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn service_start_with_deps_waits_and_prints_the_task() {
    let (_dir, _server, cli) = setup("").await;
    let task = cli
        .ok(&[
            "service",
            "start",
            "HDFS",
            "--with-deps",
            "--wait",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(task["state"], "COMPLETE", "{task}");
    assert_eq!(task["kind"], "mrs.service");
    assert_eq!(step_names(&task), ["start ZooKeeper", "start HDFS"]);
    let services = cli.ok(&["service", "list", "-o", "json"]).json();
    let hdfs = services["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "HDFS")
        .unwrap();
    assert_eq!(hdfs["state"], "running");
    // Restart and stop with dependents, YAML this time.
    let r = cli.ok(&[
        "service",
        "stop",
        "ZooKeeper",
        "--with-deps",
        "--wait",
        "-o",
        "yaml",
    ]);
    assert!(r.stdout.contains("state: COMPLETE"), "{}", r.stdout);
}

#[tokio::test]
async fn server_reboot_soft_through_nova() {
    let (_dir, _server, cli) = setup("").await;
    let task = cli
        .ok(&[
            "server",
            "reboot",
            "bms-db-01",
            "--soft",
            "--wait",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(task["state"], "COMPLETE", "{task}");
    assert_eq!(task["action"], "restart");
    let show = cli
        .ok(&["server", "show", "bms-db-01", "-o", "json"])
        .json();
    assert_eq!(show["server"]["status"], "ACTIVE", "{show}");
    // Stop, then start by id.
    let task = cli
        .ok(&[
            "server",
            "stop",
            "95bf2490-5428-432c-ad9b-5e3406f869dd",
            "--wait",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(task["action"], "stop");
    let list = cli.ok(&["server", "list", "-o", "json"]).json();
    assert!(list["servers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["status"] == "SHUTOFF"));
}

#[tokio::test]
async fn instance_flow_and_batch_wait() {
    let (_dir, _server, cli) = setup("").await;
    let task = cli
        .ok(&["instance", "start", "dbom-prod", "--wait", "-o", "json"])
        .json();
    assert_eq!(
        (task["state"].as_str(), task["action"].as_str()),
        (Some("COMPLETE"), Some("start"))
    );
    assert_eq!(task["kind"], "dbss.instance", "{task}");

    let task = cli
        .ok(&["flow", "start", "flow-news", "--wait", "-o", "json"])
        .json();
    assert_eq!(task["state"], "COMPLETE", "{task}");

    let task = cli
        .ok(&["batch", "start", "bms-web-01", "--wait", "-o", "json"])
        .json();
    assert_eq!(task["state"], "COMPLETE", "{task}");
    assert_eq!(step_names(&task), ["start bms-web-01"]);

    // Already running: nothing to do, the family's own answer, exit 0.
    let r = cli.ok(&["flow", "start", "flow-news", "--wait", "-o", "json"]);
    assert!(r.json().is_object());
}

#[tokio::test]
async fn task_watch_attaches_to_a_task_started_elsewhere() {
    let (_dir, _server, cli) = setup("").await;
    let id = cli
        .ok(&["service", "start", "Hive", "--with-deps", "-q"])
        .stdout;
    let id = id.trim();
    assert!(id.parse::<i64>().is_ok(), "-q prints the task id: {id:?}");
    // Not a terminal: plain lines on stderr, one per step change, then the end.
    let r = cli.ok(&["task", "watch", id]);
    assert!(
        r.stderr.contains("start ZooKeeper: running") || r.stderr.contains("start ZooKeeper: done"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("start Hive: done"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("task {id} COMPLETE")),
        "{}",
        r.stderr
    );
    let shown = cli.ok(&["task", "show", id, "-o", "json"]).json();
    assert_eq!(shown["state"], "COMPLETE");
    let listed = cli
        .ok(&["task", "list", "--state", "COMPLETE", "-o", "json"])
        .json();
    assert!(listed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"].as_i64() == id.parse().ok()));
    // Reads in table form name what they show.
    let table = cli.ok(&[
        "resource",
        "list",
        "--kind",
        "cluster_service",
        "--state",
        "running",
    ]);
    assert!(
        table.stdout.contains("Hive") && !table.stdout.contains("Kafka"),
        "{}",
        table.stdout
    );
    let audit = cli
        .ok(&[
            "audit",
            "--since",
            "1h",
            "--principal",
            "admin@default",
            "-o",
            "json",
        ])
        .json();
    assert!(!audit["records"].as_array().unwrap().is_empty(), "{audit}");
}

#[tokio::test]
async fn users_and_policies_from_the_command_line() {
    let (_dir, _server, cli) = setup("").await;
    let doc =
        r#"{"Version": "1.1", "Statement": [{"Effect": "Deny", "Action": ["mrs:service:stop"]}]}"#;
    cli.ok(&["policy", "put", "no-stops", "--document", doc]);
    let policies = cli.ok(&["policy", "list", "-o", "json"]).json();
    assert!(
        policies["policies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "no-stops"),
        "{policies}"
    );
    let user = cli
        .ok(&[
            "user",
            "create",
            "--json",
            r#"{"name": "nina", "password": "Nina-Password-1"}"#,
            "-o",
            "json",
        ])
        .json();
    let users = cli.ok(&["user", "list"]);
    assert!(users.stdout.contains("nina"), "{}", users.stdout);
    let id = user["user"]["id"]
        .as_str()
        .or(user["id"].as_str())
        .unwrap()
        .to_string();
    cli.ok(&["user", "delete", &id]);
    cli.ok(&["policy", "delete", "no-stops"]);
    // A body that is not JSON is a usage error, refused before any request.
    let r = cli.run(&["policy", "put", "x", "--document", "{not json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
