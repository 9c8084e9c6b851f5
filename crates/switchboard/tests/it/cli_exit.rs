//! Each exit code of a waited-for task from a real situation: a fault rule fails a step (3),
//! a slow step outlasts `--timeout` (4), a cancel (5), an unknown name (6).

use crate::common;

use common::cli::setup;

const FAULTS: &str = r#"
[[sim.faults]]
resource = "HDFS"
action = "start"
fail_next = 50
message = "disk /srv/hadoop is full"

[[sim.faults]]
resource = "Kafka"
action = "start"
hang = true

[[sim.faults]]
resource = "ZooKeeper"
action = "start"
take = "12s"
"#;

#[tokio::test]
async fn a_failing_step_exits_3_with_its_error() {
    let (_dir, _server, cli) = setup(FAULTS).await;
    let r = cli.run(&[
        "service",
        "start",
        "HDFS",
        "--with-deps",
        "--wait",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("disk /srv/hadoop is full"),
        "{}",
        r.stderr
    );
    let task = r.json();
    assert_eq!(task["state"], "FAILED");
    let hdfs = &task["steps"][1];
    assert_eq!(hdfs["state"], "FAILED", "{task}");
    // The plain progress lines name the failing step and its error.
    let again = cli.run(&["service", "start", "HDFS", "--wait"]);
    assert_eq!(again.code, 3, "{}", again.stderr);
    let line = again
        .stderr
        .lines()
        .find(|l| l.contains("start HDFS: FAILED:"));
    assert!(
        line.is_some_and(|l| l.contains("disk /srv/hadoop is full")),
        "{}",
        again.stderr
    );
}

#[tokio::test]
async fn a_slow_step_times_out_with_4_and_a_cancel_ends_with_5() {
    let (_dir, _server, cli) = setup(FAULTS).await;
    let started = std::time::Instant::now();
    let r = cli.run(&[
        "service",
        "start",
        "Kafka",
        "--with-deps",
        "--wait",
        "--timeout",
        "1s",
    ]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert!(r.stderr.contains("timed out after 1s"), "{}", r.stderr);
    let tasks = cli
        .ok(&["task", "list", "--state", "IN_PROGRESS", "-o", "json"])
        .json();
    let id = tasks["tasks"][0]["id"].to_string();
    assert_ne!(id, "null", "the task keeps running: {tasks}");

    // ZooKeeper (12 s at 3× speed) is still running: the cancel leaves it to finish and
    // cancels Kafka, which waits for it.
    cli.ok(&["task", "cancel", &id]);
    let r = cli.run(&["task", "watch", &id, "--timeout", "20s", "-o", "json"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert_eq!(r.json()["state"], "CANCELLED");
    // Cancelling a finished task is refused (409): 6.
    let r = cli.run(&["task", "cancel", &id]);
    assert_eq!(r.code, 6, "{}", r.stderr);
}

#[tokio::test]
async fn unknown_names_are_refused_with_6() {
    let (_dir, _server, cli) = setup("").await;
    let r = cli.run(&["service", "start", "NoSuchService", "--wait"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.stderr.contains("NoSuchService"), "{}", r.stderr);
    let r = cli.run(&["server", "start", "no-such-server"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    let r = cli.run(&["task", "show", "999999"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
}
