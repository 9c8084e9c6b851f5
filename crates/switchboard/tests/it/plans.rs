//! `POST /switchboard/v1/plans`: the plan an operation would get, as `submit` would decide it
//! (dependencies, nothing to do, an identical task in flight, a busy resource), claiming and
//! writing nothing; bad requests in the native envelope.

use crate::common;

use common::identity::{self, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

const PLANS: &str = "/switchboard/v1/plans";

/// Resource ids by name.
async fn ids(s: &TestServer) -> HashMap<String, String> {
    common::resources_by_name(s)
        .await
        .into_iter()
        .map(|(name, r)| (name, r["id"].as_str().unwrap().to_string()))
        .collect()
}

async fn plan(s: &TestServer, body: Value) -> common::Reply {
    s.post(PLANS, body).await
}

fn names(plan: &Value) -> Vec<&str> {
    plan["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["resource_name"].as_str().unwrap())
        .collect()
}

async fn task_count(s: &TestServer) -> usize {
    let r = s.get("/switchboard/v1/tasks?limit=1000").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["tasks"].as_array().unwrap().len()
}

#[tokio::test]
async fn plans_follow_dependencies_and_claim_nothing() {
    let s = identity::server().await;
    let ids = ids(&s).await;
    let before = task_count(&s).await;

    // HDFS with its dependencies: ZooKeeper first, then HDFS after it.
    let r = plan(&s, json!({"resources": [ids["HDFS"]], "action": "start"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(names(&r.body), ["ZooKeeper", "HDFS"]);
    let steps = &r.body["plan"]["steps"];
    assert_eq!(steps[0]["index"], 0);
    assert_eq!(steps[0]["after"], json!([]));
    assert_eq!(steps[1]["after"], json!([0]));
    assert_eq!(steps[1]["resource_id"], ids["HDFS"].as_str());
    assert_eq!(steps[1]["kind"], "cluster_service");
    assert_eq!(steps[1]["action"], "start");
    assert_eq!(steps[1]["mode"], "run");
    assert_eq!(steps[1]["follow_task"], Value::Null);
    assert_eq!(r.body["plan"]["existing_task"], Value::Null);

    // Only itself.
    let body = json!({"resources": [ids["HDFS"]], "action": "start", "with_dependencies": false});
    let r = plan(&s, body).await;
    assert_eq!(names(&r.body), ["HDFS"]);
    assert_eq!(r.body["plan"]["steps"][0]["after"], json!([]));

    // A running server asked to start: nothing to do.
    let r = plan(
        &s,
        json!({"resources": [ids["bms-db-01"]], "action": "start"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["plan"]["steps"], json!([]));

    // Nothing was claimed or recorded: no task, the services still stopped, and the real
    // start plans and runs just as previewed.
    assert_eq!(task_count(&s).await, before);
    assert_eq!(s.status_of("HDFS").await, s.status_of("ZooKeeper").await);
    let id = s.operate("HDFS", "start", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    assert_eq!(common::step_names(&done).len(), 2, "{done}");
    assert_eq!(task_count(&s).await, before + 1);
}

#[tokio::test]
async fn in_flight_operations_are_returned_followed_or_refused() {
    let s = TestServer::start(|c| c.sim.speed = 1.0).await;
    let ids = ids(&s).await;
    let task = s.operate("HDFS", "start", false).await;

    // The identical request: submit would return the task in flight.
    let r = plan(&s, json!({"resources": [ids["HDFS"]], "action": "start"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["plan"]["existing_task"], task);
    assert_eq!(r.body["plan"]["steps"], json!([]));

    // Yarn needs HDFS and ZooKeeper, which that task is starting: it would follow them.
    let r = plan(&s, json!({"resources": [ids["Yarn"]], "action": "start"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let steps = r.body["plan"]["steps"].as_array().unwrap();
    let yarn = steps.iter().find(|x| x["resource_name"] == "Yarn").unwrap();
    assert_eq!(yarn["mode"], "run");
    let hdfs = steps.iter().find(|x| x["resource_name"] == "HDFS").unwrap();
    assert_eq!(
        (&hdfs["mode"], &hdfs["follow_task"]),
        (&json!("follow"), &json!(task))
    );

    // Stopping ZooKeeper while it starts: the families' busy answer.
    let r = plan(
        &s,
        json!({"resources": [ids["ZooKeeper"]], "action": "stop", "with_dependencies": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "conflict");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "service ZooKeeper is busy, command {task} is performing start"
        )),
        "{message}"
    );
    let done = s.wait_command(task).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
}

#[tokio::test]
async fn other_projects_unknown_ids_and_bad_requests_are_refused() {
    let s = identity::server().await;
    let ids = ids(&s).await;

    // alice administers another project: HDFS does not exist for her, like an unknown id.
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let body = json!({"resources": [ids["HDFS"]], "action": "start"});
    let theirs = s.call(Method::POST, PLANS, Some(&alice), Some(body)).await;
    let unknown = plan(&s, json!({"resources": ["no-such-id"], "action": "start"})).await;
    for r in [&theirs, &unknown] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "not_found");
    }

    // A viewer may preview (a read).
    let vera = token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let body = json!({"resources": [ids["HDFS"]], "action": "stop"});
    let r = s.call(Method::POST, PLANS, Some(&vera), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let many: Vec<String> = (0..1001).map(|i| format!("r{i}")).collect();
    for bad in [
        json!({"resources": [ids["HDFS"]], "action": "reboot"}),
        json!({"resources": [], "action": "start"}),
        json!({"resources": many, "action": "start"}),
        json!({"resources": [ids["HDFS"]]}),
        json!({"resources": [ids["HDFS"]], "action": "start", "extra": 1}),
        json!({"resources": "HDFS", "action": "start"}),
    ] {
        let r = plan(&s, bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "bad_request", "{bad}");
    }
    for raw in [&b"{not json"[..], b""] {
        let r = s
            .raw(Method::POST, PLANS, Some(&s.token), Some(raw.to_vec()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "bad_request");
    }
    let huge = vec![b' '; 2 << 20];
    let r = s.raw(Method::POST, PLANS, Some(&s.token), Some(huge)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "payload_too_large");

    // No token: 401.
    let r = s.call(Method::POST, PLANS, None, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// Each step lists the steps it waits for directly (its nearest ones in the plan), not every
/// step before it: Flume waits for HDFS, which waits for ZooKeeper. A plan for a long chain
/// stays linear in its edges (issue 13).
#[tokio::test]
async fn steps_list_their_nearest_prerequisites_only() {
    let s = identity::server().await;
    let ids = ids(&s).await;
    let r = plan(&s, json!({"resources": [ids["Flume"]], "action": "start"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(names(&r.body), ["ZooKeeper", "HDFS", "Flume"]);
    let after: Vec<&Value> = r.body["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["after"])
        .collect();
    assert_eq!(after, [&json!([]), &json!([0]), &json!([1])]);
}
