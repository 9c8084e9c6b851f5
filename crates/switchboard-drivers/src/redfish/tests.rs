use super::*;

fn cfg(extra: serde_json::Value) -> Result<RedfishConfig, String> {
    let mut v =
        serde_json::json!({"url": "https://10.0.0.5", "username": "root", "password": "calvin"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    let c: RedfishConfig = serde_json::from_value(v).map_err(|e| e.to_string())?;
    c.validate().map(|_| c)
}

#[test]
fn configuration_is_checked_and_the_password_never_printed() {
    let c = cfg(serde_json::json!({})).unwrap();
    assert!(c.verify_tls, "TLS is verified by default");
    assert_eq!(c.stop, "ForceOff");
    assert!(!format!("{c:?}").contains("calvin"));
    assert!(cfg(serde_json::json!({"url": "ftp://bmc"})).is_err());
    assert!(cfg(serde_json::json!({"stop": "Unplug"})).is_err());
    assert!(cfg(serde_json::json!({"colour": "red"})).is_err());
}

#[test]
fn power_states_map_to_the_lifecycle() {
    assert_eq!(state_of("On"), Lifecycle::Running);
    assert_eq!(state_of("Off"), Lifecycle::Stopped);
    assert_eq!(state_of("PoweringOn"), Lifecycle::Starting);
    assert_eq!(state_of("PoweringOff"), Lifecycle::Stopping);
    assert_eq!(state_of("Paused"), Lifecycle::Unknown);
}

#[tokio::test]
async fn an_unreachable_bmc_fails_with_a_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = ResourceSpec {
        id: "srv".into(),
        project_id: "p".into(),
        kind: switchboard_core::ResourceKind::Server,
        name: "srv".into(),
        cluster: None,
        driver: "redfish".into(),
        driver_config: serde_json::json!({"url": format!("http://127.0.0.1:{port}"), "username": "u", "password": "p", "timeout": "1s"}),
        depends_on: vec![],
        initial_state: Lifecycle::Stopped,
        attrs: serde_json::Value::Null,
    };
    let driver = RedfishDriver::default();
    driver.register(&spec).await.unwrap();
    let err = driver
        .perform(&spec, Action::Start, "op")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unreachable"), "{err}");
    assert!(err.is_retryable());
}
