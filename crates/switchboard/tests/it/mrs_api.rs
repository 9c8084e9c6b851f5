//! MRS Manager API through HTTP: orchestration semantics and every documented error.

use crate::common;

use common::{step_names, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

const START: &str = "/web/v1/maintain/cluster/1/service";

#[tokio::test]
async fn start_hdfs_with_dependencies_runs_zookeeper_first_and_completes() {
    let s = TestServer::start(|_| {}).await;
    let id = s.operate("HDFS", "start", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "COMPLETE");
    assert_eq!(done["total_progress"], 100.0);
    assert_eq!(step_names(&done), vec!["Start ZooKeeper", "Start HDFS"]);
    assert_eq!(done["res_obj"]["total_step_size"], 2);
    assert_eq!(done["res_obj"]["cluster_id"], 1);
    assert_eq!(done["res_obj"]["fail_entity_list"], json!([]));
    assert_eq!(s.status_of("HDFS").await, "Normal");
    assert_eq!(s.status_of("ZooKeeper").await, "Normal");
    assert_eq!(s.status_of("Yarn").await, "Stopped");
    let log = s.sim_log();
    assert_eq!(log.len(), 2);
    assert!(
        log[1].at_ms >= log[0].until_ms,
        "HDFS started only after ZooKeeper was ready"
    );
}

#[tokio::test]
async fn start_is_answered_at_once_and_shows_starting() {
    let s = TestServer::start(|c| c.sim.speed = 2.0).await;
    let r = s
        .post(
            &format!("{START}/ZooKeeper/start"),
            json!({"only_self": true}),
        )
        .await;
    assert_eq!(r.body["state"], "IN_PROGRESS");
    assert_eq!(r.body["total_progress"], 0.0);
    assert_eq!(s.status_of("ZooKeeper").await, "Starting");
    assert_eq!(
        s.wait_command(r.body["id"].as_i64().unwrap()).await["state"],
        "COMPLETE"
    );
    let again = s.post(&format!("{START}/ZooKeeper/start"), json!({})).await;
    assert_eq!(
        again.body["state"], "COMPLETE",
        "nothing to do: {}",
        again.body
    );
}

#[tokio::test]
async fn only_self_start_with_a_stopped_dependency_fails_and_names_it() {
    let s = TestServer::start(|_| {}).await;
    let id = s.operate("Hive", "start", true).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "FAILED");
    assert_ne!(done["error_code"], 0);
    assert!(
        done["error_description"].as_str().unwrap().contains("HDFS"),
        "{done}"
    );
    assert_eq!(
        done["res_obj"]["fail_entity_list"],
        json!([{"fail_entity": "Hive", "operation_type": "START"}])
    );
    assert_eq!(s.status_of("Hive").await, "Failed to Start");
}

#[tokio::test]
async fn stop_zookeeper_with_dependents_stops_every_running_dependent_first() {
    let s = TestServer::start(|_| {}).await;
    for svc in ["HBase", "Kafka", "Yarn"] {
        let id = s.operate(svc, "start", false).await;
        assert_eq!(s.wait_command(id).await["state"], "COMPLETE");
    }
    let id = s.operate("ZooKeeper", "stop", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "COMPLETE");
    let names = step_names(&done);
    assert_eq!(names.last().unwrap(), "Stop ZooKeeper");
    assert_eq!(names.len(), 5, "{names:?}");
    for svc in ["ZooKeeper", "HDFS", "Yarn", "HBase", "Kafka"] {
        assert_eq!(s.status_of(svc).await, "Stopped", "{svc}");
    }
    let log = s.sim_log();
    let zk_stop = log
        .iter()
        .find(|e| e.resource == "mrs.1.ZooKeeper" && e.action == switchboard_core::Action::Stop)
        .unwrap();
    for e in log
        .iter()
        .filter(|e| e.action == switchboard_core::Action::Stop && e.resource != "mrs.1.ZooKeeper")
    {
        assert!(
            zk_stop.at_ms >= e.until_ms,
            "{} stopped before ZooKeeper",
            e.resource
        );
    }
}

#[tokio::test]
async fn independent_services_start_concurrently() {
    let s = TestServer::start(|_| {}).await;
    let id = s.operate("Hue", "start", false).await;
    assert_eq!(s.wait_command(id).await["state"], "COMPLETE");
    let log = s.sim_log();
    let at = |name: &str| {
        log.iter()
            .find(|e| e.resource == format!("mrs.1.{name}"))
            .unwrap()
    };
    let (zk, db) = (at("ZooKeeper"), at("DBService"));
    assert!(
        db.at_ms < zk.until_ms && zk.at_ms < db.until_ms,
        "ZooKeeper and DBService overlap: {zk:?} {db:?}"
    );
}

#[tokio::test]
async fn identical_concurrent_starts_share_one_command_and_conflicts_get_409() {
    let s = TestServer::start(|c| c.sim.speed = 5.0).await;
    let path = format!("{START}/Spark/start");
    let (a, b) = tokio::join!(
        s.post(&path, json!({"only_self": false})),
        s.post(&path, json!({"only_self": false}))
    );
    assert_eq!(a.body["id"], b.body["id"], "{} {}", a.body, b.body);
    let r = s
        .post(
            &format!("{START}/ZooKeeper/stop"),
            json!({"only_self": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["state"], "FAILED");
    assert_ne!(r.body["error_code"], 0);
    assert_eq!(r.body["id"], -1);
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("ZooKeeper"),
        "{}",
        r.body
    );
    let done = s.wait_command(a.body["id"].as_i64().unwrap()).await;
    assert_eq!(done["state"], "COMPLETE");
    assert_eq!(
        done["res_obj"]["total_step_size"], 7,
        "Spark and its six dependencies"
    );
}

#[tokio::test]
async fn restart_extension_restarts_a_running_service() {
    let s = TestServer::start(|_| {}).await;
    let id = s.operate("ZooKeeper", "start", true).await;
    s.wait_command(id).await;
    let id = s.operate("ZooKeeper", "restart", true).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "COMPLETE");
    assert_eq!(step_names(&done), vec!["Restart ZooKeeper"]);
    assert_eq!(
        s.sim_log()
            .iter()
            .filter(|e| e.action == switchboard_core::Action::Restart)
            .count(),
        1
    );
}

#[tokio::test]
async fn secondary_password_is_checked_when_given() {
    let s = TestServer::start(|_| {}).await;
    let wrong = s
        .post(
            &format!("{START}/ZooKeeper/start"),
            json!({"user_password": "nope"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.body["state"], "FAILED");
    assert!(s.sim_log().is_empty(), "nothing ran");
    let right = s
        .post(
            &format!("{START}/ZooKeeper/start"),
            json!({"user_password": common::PASSWORD}),
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let null = s
        .post(
            &format!("{START}/DBService/start"),
            json!({"user_password": null, "only_self": true}),
        )
        .await;
    assert_eq!(null.status, StatusCode::OK, "{}", null.body);
}

#[tokio::test]
async fn bad_requests_get_the_mrs_envelope_with_a_4xx() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    let cases: Vec<(Method, String, Option<Vec<u8>>, StatusCode)> = vec![
        (
            Method::POST,
            format!("{START}/HDFS/start"),
            Some(br#"{"only_self": "yes"}"#.to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("{START}/HDFS/start"),
            Some(br#"{"only_self": tru"#.to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("{START}/HDFS/start"),
            Some(br#"{"user_password": 5}"#.to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("{START}/HDFS/start"),
            Some(b"[1,2]".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("{START}/HDFS/start"),
            Some(vec![b'x'; 2 << 20]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Method::POST,
            format!("{START}/NoSuchService/start"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/web/v1/maintain/cluster/7/service/HDFS/start".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/web/v1/maintain/cluster/one/service/HDFS/stop".into(),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/web/v1/common/command/999999/progress".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/web/v1/common/command/abc/progress".into(),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/web/v1/cluster/1/services/Nope".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/web/v1/cluster/9/status".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
    ];
    for (method, path, body, want) in cases {
        let r = s.raw(method.clone(), &path, t, body).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.body);
        assert_eq!(r.body["state"], "FAILED", "{path}: {}", r.body);
        assert!(
            r.body["error_code"].as_i64().unwrap() > 0,
            "{path}: {}",
            r.body
        );
        assert!(!r.body["error_description"].as_str().unwrap().is_empty());
        assert!(r.headers.contains_key("x-request-id"));
    }
    let r = s
        .raw(Method::POST, &format!("{START}/HDFS/explode"), t, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body["error_code"], "APIGW.0101",
        "an unknown operation is an unknown API"
    );
    assert!(s.sim_log().is_empty(), "no bad request performed anything");
    // An empty body with a JSON content type is fine and means only_self=true.
    let r = s
        .raw(Method::POST, &format!("{START}/ZooKeeper/start"), t, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn clusters_and_cluster_status() {
    let s = TestServer::start(|c| c.sim.faults = vec![fault("Kafka")]).await;
    let r = s.get("/web/v1/clusters").await;
    assert_eq!(r.status, StatusCode::OK);
    let clusters = r.body["res_obj"]["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["id"], 1);
    assert_eq!(
        s.get("/web/v1/cluster/1/status").await.body["res_obj"]["state"],
        "GOOD"
    );
    let id = s.operate("Kafka", "start", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "FAILED");
    assert_eq!(
        done["res_obj"]["fail_entity_list"],
        json!([{"fail_entity": "Kafka", "operation_type": "START"}])
    );
    assert!(done["error_description"]
        .as_str()
        .unwrap()
        .contains("broker port taken"));
    assert_eq!(
        s.status_of("ZooKeeper").await,
        "Normal",
        "the dependency still started"
    );
    assert_eq!(
        s.get("/web/v1/cluster/1/status").await.body["res_obj"]["state"],
        "BAD"
    );
}

fn fault(resource: &str) -> switchboard_drivers::SimFault {
    switchboard_drivers::SimFault {
        resource: resource.into(),
        action: Some(switchboard_core::Action::Start),
        fail_next: Some(10),
        message: Some("broker port taken".into()),
        hang: false,
        take: None,
    }
}
