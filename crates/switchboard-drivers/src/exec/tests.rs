use super::*;
use switchboard_core::ResourceKind;

fn spec(dir: &std::path::Path, extra: serde_json::Value) -> ResourceSpec {
    let d = dir.display();
    let mut config = serde_json::json!({
        "start": format!("touch {d}/$SWITCHBOARD_RESOURCE_NAME.up"),
        "stop": format!("rm -f {d}/$SWITCHBOARD_RESOURCE_NAME.up"),
        "status": format!("test -f {d}/$SWITCHBOARD_RESOURCE_NAME.up && exit 0 || exit 3"),
        "timeout": "2s",
    });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    ResourceSpec {
        id: "mrs.1.app".into(),
        project_id: "p".into(),
        kind: ResourceKind::ClusterService,
        name: "app".into(),
        cluster: Some(1),
        driver: "exec".into(),
        driver_config: config,
        depends_on: vec![],
        initial_state: Lifecycle::Stopped,
        attrs: serde_json::Value::Null,
    }
}

#[tokio::test]
async fn commands_drive_the_lifecycle_and_status_follows_lsb() {
    let dir = tempfile::tempdir().unwrap();
    let app = spec(dir.path(), serde_json::json!({}));
    let exec = ExecDriver;
    exec.register(&app).await.unwrap();
    assert_eq!(exec.observe(&app).await.unwrap().state, Lifecycle::Stopped);
    exec.perform(&app, Action::Start, "op").await.unwrap();
    assert_eq!(exec.observe(&app).await.unwrap().state, Lifecycle::Running);
    assert!(dir.path().join("app.up").exists());
    exec.perform(&app, Action::Restart, "op2").await.unwrap();
    assert_eq!(exec.observe(&app).await.unwrap().state, Lifecycle::Running);
    exec.perform(&app, Action::Stop, "op3").await.unwrap();
    assert_eq!(exec.observe(&app).await.unwrap().state, Lifecycle::Stopped);
    let odd = spec(dir.path(), serde_json::json!({"status": "exit 7"}));
    let seen = exec.observe(&odd).await.unwrap();
    assert_eq!(seen.state, Lifecycle::Unknown);
    assert!(seen.detail.unwrap().contains("exited with 7"));
}

#[tokio::test]
async fn a_failing_command_reports_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let app = spec(
        dir.path(),
        serde_json::json!({"start": "echo 'port 8080 in use' >&2; exit 1"}),
    );
    let err = ExecDriver
        .perform(&app, Action::Start, "op")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("exited with 1") && text.contains("port 8080 in use"),
        "{text}"
    );
}

#[tokio::test]
async fn a_command_past_its_timeout_is_killed_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("child-survived");
    let start = format!("(sleep 1; touch {}) & sleep 30", marker.display());
    let app = spec(
        dir.path(),
        serde_json::json!({"start": start, "timeout": "200ms"}),
    );
    let t = std::time::Instant::now();
    let err = ExecDriver
        .perform(&app, Action::Start, "op")
        .await
        .unwrap_err();
    assert!(matches!(err, DriverError::Timeout(_)), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(
        !marker.exists(),
        "the background child was killed with the group"
    );
}

#[tokio::test]
async fn a_bad_configuration_is_refused_at_registration() {
    let mut app = spec(std::path::Path::new("/tmp"), serde_json::json!({}));
    app.driver_config = serde_json::json!({"start": "true"});
    assert!(matches!(
        ExecDriver.register(&app).await,
        Err(DriverError::Permanent(_))
    ));
}

#[tokio::test]
async fn a_start_that_leaves_a_daemon_behind_returns_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // The daemon inherits stdout and keeps it open; the start itself is done at once.
    let start = format!("(sleep 3; true) & touch {d}/app.up; echo started");
    let app = spec(dir.path(), serde_json::json!({"start": start}));
    let t = std::time::Instant::now();
    ExecDriver.perform(&app, Action::Start, "op").await.unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(
        ExecDriver.observe(&app).await.unwrap().state,
        Lifecycle::Running
    );
}
