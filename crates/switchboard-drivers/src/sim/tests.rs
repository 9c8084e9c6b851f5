use super::*;
use switchboard_core::ResourceKind;

pub(super) fn spec(name: &str, state: Lifecycle) -> ResourceSpec {
    ResourceSpec {
        id: format!("mrs.1.{name}"),
        project_id: "p".into(),
        kind: ResourceKind::ClusterService,
        name: name.into(),
        cluster: Some(1),
        driver: "sim".into(),
        driver_config: serde_json::json!({"start": "40ms", "stop": "20ms"}),
        depends_on: vec![],
        initial_state: state,
        attrs: serde_json::Value::Null,
    }
}

fn config(faults: Vec<SimFault>) -> SimConfig {
    SimConfig {
        jitter: 0.0,
        faults,
        ..SimConfig::default()
    }
}

const LONG: Duration = Duration::from_secs(5);

#[tokio::test]
async fn start_takes_its_duration_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimDriver::open(dir.path(), config(vec![])).unwrap();
    let hdfs = spec("HDFS", Lifecycle::Stopped);
    sim.register(&hdfs).await.unwrap();
    sim.perform(&hdfs, Action::Start, "op-1").await.unwrap();
    assert_eq!(sim.observe(&hdfs).await.unwrap().state, Lifecycle::Starting);
    sim.perform(&hdfs, Action::Start, "op-1").await.unwrap();
    sim.perform(&hdfs, Action::Start, "op-2").await.unwrap();
    let seen = sim.wait_for(&hdfs, Lifecycle::Running, LONG).await.unwrap();
    assert_eq!(seen.state, Lifecycle::Running);
    sim.perform(&hdfs, Action::Start, "op-3").await.unwrap();
    assert_eq!(
        read_log(dir.path()).unwrap().len(),
        1,
        "only one start was performed"
    );
}

#[tokio::test]
async fn the_world_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let hdfs = spec("HDFS", Lifecycle::Stopped);
    {
        let sim = SimDriver::open(dir.path(), config(vec![])).unwrap();
        sim.register(&hdfs).await.unwrap();
        sim.perform(&hdfs, Action::Start, "op-1").await.unwrap();
    }
    let sim = SimDriver::open(dir.path(), config(vec![])).unwrap();
    sim.register(&hdfs).await.unwrap();
    assert_eq!(sim.observe(&hdfs).await.unwrap().state, Lifecycle::Starting);
    sim.perform(&hdfs, Action::Start, "op-1").await.unwrap();
    sim.wait_for(&hdfs, Lifecycle::Running, LONG).await.unwrap();
    assert_eq!(read_log(dir.path()).unwrap().len(), 1);
}

#[tokio::test]
async fn fail_next_fails_that_many_then_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let fault = SimFault {
        resource: "HDFS".into(),
        action: Some(Action::Start),
        fail_next: Some(2),
        message: Some("disk full".into()),
        hang: false,
        take: None,
    };
    let sim = SimDriver::open(dir.path(), config(vec![fault])).unwrap();
    let hdfs = spec("HDFS", Lifecycle::Stopped);
    sim.register(&hdfs).await.unwrap();
    for attempt in 0..2 {
        sim.perform(&hdfs, Action::Start, &format!("a{attempt}"))
            .await
            .unwrap();
        let seen = sim.wait_for(&hdfs, Lifecycle::Running, LONG).await.unwrap();
        assert_eq!(seen.state, Lifecycle::StartFailed);
        assert_eq!(seen.detail.as_deref(), Some("disk full"));
    }
    sim.perform(&hdfs, Action::Start, "a2").await.unwrap();
    assert_eq!(
        sim.wait_for(&hdfs, Lifecycle::Running, LONG)
            .await
            .unwrap()
            .state,
        Lifecycle::Running
    );
}

#[tokio::test]
async fn hang_times_out_and_take_overrides_the_duration() {
    let dir = tempfile::tempdir().unwrap();
    let hang = SimFault {
        resource: "Kafka".into(),
        action: None,
        fail_next: None,
        message: None,
        hang: true,
        take: None,
    };
    let slow = SimFault {
        resource: "Hive".into(),
        hang: false,
        take: Some(Duration::from_millis(300)),
        ..hang.clone()
    };
    let sim = SimDriver::open(dir.path(), config(vec![hang, slow])).unwrap();
    let (kafka, hive) = (
        spec("Kafka", Lifecycle::Stopped),
        spec("Hive", Lifecycle::Stopped),
    );
    sim.register(&kafka).await.unwrap();
    sim.register(&hive).await.unwrap();
    sim.perform(&kafka, Action::Start, "k").await.unwrap();
    let err = sim
        .wait_for(&kafka, Lifecycle::Running, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(err, DriverError::Timeout(_)));
    let t = std::time::Instant::now();
    sim.perform(&hive, Action::Start, "h").await.unwrap();
    sim.wait_for(&hive, Lifecycle::Running, LONG).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(290));
}

#[test]
fn jitter_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimDriver::open(dir.path(), SimConfig::default()).unwrap();
    let a = sim.duration(Duration::from_secs(1), "mrs.1.HDFS", 3);
    let b = sim.duration(Duration::from_secs(1), "mrs.1.HDFS", 3);
    assert_eq!(a, b);
    assert!(a >= Duration::from_millis(750) && a <= Duration::from_millis(1250));
}
