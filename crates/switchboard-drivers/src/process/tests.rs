use super::*;
use switchboard_core::ResourceKind;

fn spec(id: &str, config: serde_json::Value) -> ResourceSpec {
    ResourceSpec {
        id: id.into(),
        project_id: "p".into(),
        kind: ResourceKind::ClusterService,
        name: id.into(),
        cluster: Some(1),
        driver: "process".into(),
        driver_config: config,
        depends_on: vec![],
        initial_state: Lifecycle::Stopped,
        attrs: serde_json::Value::Null,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_server_is_ready_only_once_it_answers_and_stops_leaving_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let web = spec(
        "web",
        serde_json::json!({
            "command": "python3", "args": ["-m", "http.server", port.to_string(), "--bind", "127.0.0.1"],
            "ready": {"http": format!("http://127.0.0.1:{port}/"), "status": 200},
            "grace": "5s",
        }),
    );
    let driver = ProcessDriver::open(dir.path()).unwrap();
    driver.register(&web).await.unwrap();
    driver.perform(&web, Action::Start, "op").await.unwrap();
    let seen = driver
        .wait_for(&web, Lifecycle::Running, WAIT)
        .await
        .unwrap();
    assert_eq!(seen.state, Lifecycle::Running);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let pid: PidFile =
        serde_json::from_slice(&std::fs::read(driver.pid_path("web")).unwrap()).unwrap();
    driver.perform(&web, Action::Stop, "op2").await.unwrap();
    assert_eq!(
        driver.observe(&web).await.unwrap().state,
        Lifecycle::Stopped
    );
    assert!(
        !proc::group_alive(pid.pid),
        "no process of the group is left"
    );
    assert!(!driver.pid_path("web").exists());
}

#[tokio::test]
async fn a_process_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    // Ready only once the trap is set, so that the TERM is surely ignored.
    let armed = dir.path().join("armed");
    let script = format!(
        "trap '' TERM; touch {}; while true; do sleep 0.05; done",
        armed.display()
    );
    let stubborn = spec(
        "stubborn",
        serde_json::json!({
            "command": "sh", "args": ["-c", script], "grace": "300ms",
            "ready": {"command": format!("test -f {}", armed.display())},
        }),
    );
    let driver = ProcessDriver::open(dir.path()).unwrap();
    driver
        .perform(&stubborn, Action::Start, "op")
        .await
        .unwrap();
    assert_eq!(
        driver
            .wait_for(&stubborn, Lifecycle::Running, WAIT)
            .await
            .unwrap()
            .state,
        Lifecycle::Running
    );
    let pid = driver.alive("stubborn").unwrap().pid;
    let t = std::time::Instant::now();
    driver
        .perform(&stubborn, Action::Stop, "op2")
        .await
        .unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "waited the grace period first"
    );
    assert!(!proc::group_alive(pid));
}

#[tokio::test]
async fn a_process_that_exits_before_it_is_ready_fails_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let broken = spec(
        "broken",
        serde_json::json!({
            "command": "sh", "args": ["-c", "echo 'could not bind: address in use' >&2; exit 3"],
            "ready": {"tcp": format!("127.0.0.1:{port}")},
        }),
    );
    let driver = ProcessDriver::open(dir.path()).unwrap();
    driver.perform(&broken, Action::Start, "op").await.unwrap();
    let seen = driver
        .wait_for(&broken, Lifecycle::Running, WAIT)
        .await
        .unwrap();
    assert_eq!(seen.state, Lifecycle::StartFailed);
    let detail = seen.detail.unwrap();
    assert!(
        detail.contains("exited with code 3") && detail.contains("address in use"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_new_driver_re_adopts_a_live_process_instead_of_starting_a_twin() {
    let dir = tempfile::tempdir().unwrap();
    let sleeper = spec(
        "sleeper",
        serde_json::json!({"command": "sleep", "args": ["30"], "grace": "2s"}),
    );
    let first = ProcessDriver::open(dir.path()).unwrap();
    first.perform(&sleeper, Action::Start, "op").await.unwrap();
    let pid = first.alive("sleeper").unwrap().pid;

    let second = ProcessDriver::open(dir.path()).unwrap();
    second.register(&sleeper).await.unwrap();
    assert_eq!(
        second.observe(&sleeper).await.unwrap().state,
        Lifecycle::Running
    );
    second.perform(&sleeper, Action::Start, "op").await.unwrap();
    assert_eq!(
        second.alive("sleeper").unwrap().pid,
        pid,
        "the same process, no twin"
    );
    second.perform(&sleeper, Action::Stop, "op2").await.unwrap();
    assert!(!proc::group_alive(pid));

    // A pid file naming a dead (or recycled) process is not adopted.
    std::fs::write(
        second.pid_path("sleeper"),
        serde_json::to_vec(&PidFile { pid, ticks: 1 }).unwrap(),
    )
    .unwrap();
    let third = ProcessDriver::open(dir.path()).unwrap();
    third.register(&sleeper).await.unwrap();
    assert_eq!(
        third.observe(&sleeper).await.unwrap().state,
        Lifecycle::Stopped
    );
}

#[tokio::test]
async fn a_process_that_dies_on_its_own_shows_failed_with_its_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let brief = spec(
        "brief",
        serde_json::json!({"command": "sh", "args": ["-c", "sleep 0.3; exit 5"]}),
    );
    let driver = ProcessDriver::open(dir.path()).unwrap();
    driver.perform(&brief, Action::Start, "op").await.unwrap();
    assert_eq!(
        driver.observe(&brief).await.unwrap().state,
        Lifecycle::Running
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let seen = driver.observe(&brief).await.unwrap();
    assert_eq!(seen.state, Lifecycle::StartFailed);
    assert!(seen.detail.unwrap().contains("exited with code 5"));
}

#[tokio::test]
async fn bad_configurations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let driver = ProcessDriver::open(dir.path()).unwrap();
    for config in [
        serde_json::json!({"args": ["x"]}),
        serde_json::json!({"command": "x", "stop_signal": "USR9"}),
        serde_json::json!({"command": "x", "ready": {"tcp": "a:1", "http": "http://a/"}}),
        serde_json::json!({"command": "x", "ready": {"http": "https://a/"}}),
    ] {
        assert!(matches!(
            driver.register(&spec("bad", config)).await,
            Err(DriverError::Permanent(_))
        ));
    }
}
