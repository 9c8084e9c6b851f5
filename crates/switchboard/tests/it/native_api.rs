//! Switchboard's own API through HTTP: tasks, cancel, resources, audit.

use crate::common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn tasks_can_be_read_listed_filtered_and_paged() {
    let s = TestServer::start(|_| {}).await;
    let first = s.operate("HDFS", "start", false).await;
    s.wait_command(first).await;
    let second = s.operate("Hive", "start", true).await;
    s.wait_command(second).await;

    let r = s.get(&format!("/switchboard/v1/tasks/{first}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["state"], "COMPLETE");
    assert_eq!(r.body["action"], "start");
    assert_eq!(r.body["steps"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["steps"][0]["resource_name"], "ZooKeeper");
    assert_eq!(r.body["steps"][1]["after"], json!([0]));

    let all = s.get("/switchboard/v1/tasks").await;
    let ids: Vec<i64> = all.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![second, first], "newest first");
    let failed = s.get("/switchboard/v1/tasks?state=FAILED").await;
    assert_eq!(failed.body["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(failed.body["tasks"][0]["id"], second);
    let page = s.get("/switchboard/v1/tasks?limit=1&offset=1").await;
    assert_eq!(page.body["tasks"][0]["id"], first);

    for bad in [
        "?state=DONE",
        "?limit=0",
        "?limit=abc",
        "?offset=-1",
        "?limit=%FF",
    ] {
        let r = s.get(&format!("/switchboard/v1/tasks{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.body["error"]["code"], "bad_request");
    }
    assert_eq!(
        s.get("/switchboard/v1/tasks/424242").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/switchboard/v1/tasks/x").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn cancel_stops_scheduling_new_steps() {
    let s = TestServer::start(|c| c.sim.speed = 4.0).await;
    let id = s.operate("Spark", "start", false).await;
    let r = s
        .call(
            Method::POST,
            &format!("/switchboard/v1/tasks/{id}/cancel"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let done = s.wait_command(id).await;
    assert_eq!(
        done["state"], "FAILED",
        "MRS shows a cancelled command as FAILED"
    );
    assert!(done["error_description"]
        .as_str()
        .unwrap()
        .contains("cancelled"));
    let task = s.get(&format!("/switchboard/v1/tasks/{id}")).await;
    assert_eq!(task.body["state"], "CANCELLED");
    let steps = task.body["steps"].as_array().unwrap();
    assert!(steps.iter().any(|st| st["state"] == "CANCELLED"));
    assert_eq!(s.status_of("Spark").await, "Stopped");
    assert!(
        s.sim_log().iter().all(|e| e.resource != "mrs.1.Spark"),
        "Spark never started"
    );
    let again = s
        .call(
            Method::POST,
            &format!("/switchboard/v1/tasks/{id}/cancel"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // With the claims released, a new operation on the same services is accepted.
    let next = s.operate("Spark", "start", false).await;
    assert_eq!(s.wait_command(next).await["state"], "COMPLETE");
}

#[tokio::test]
async fn resources_show_state_and_audit_records_every_mutation() {
    let s = TestServer::start(|_| {}).await;
    let id = s.operate("ZooKeeper", "start", true).await;
    s.wait_command(id).await;
    let refused = s
        .post(
            "/web/v1/maintain/cluster/1/service/Spark/start",
            json!({"only_self": false}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    let conflict = s
        .post(
            "/web/v1/maintain/cluster/1/service/Hive/stop",
            json!({"only_self": false}),
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);

    let r = s.get("/switchboard/v1/resources").await;
    let resources = r.body["resources"].as_array().unwrap();
    assert_eq!(
        resources.len(),
        20,
        "14 services, 2 instances, 2 flows, 2 servers"
    );
    let zk = resources.iter().find(|x| x["name"] == "ZooKeeper").unwrap();
    assert_eq!(zk["state"], "running");
    assert_eq!(zk["kind"], "cluster_service");

    let audit = s.get("/switchboard/v1/audit?limit=10").await;
    let records = audit.body["records"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = records
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap(),
                a["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("mrs:service:start", "accepted")),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|(a, o)| *a == "mrs:service:stop" && o.starts_with("refused")),
        "{actions:?}"
    );
    assert!(actions.contains(&("iam:token:create", "issued")));
    let start = records
        .iter()
        .find(|a| a["action"] == "mrs:service:start")
        .unwrap();
    assert_eq!(start["source"], "127.0.0.1");
    assert_eq!(start["request_id"].as_str().unwrap().len(), 32);
    assert!(start["principal"].as_str().unwrap().starts_with("admin@"));
}
