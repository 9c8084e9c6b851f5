//! Every resource's state in its family's own words, from one source: the native resource list
//! (`family`, `status`, `cluster_name`) says what each family's API says, and `resource.state`
//! events carry the same words as states change.

use crate::common;

use common::sse::Events;
use common::{TestServer, PROJECT};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

/// What the family's own API shows as the resource's status.
async fn family_says(s: &TestServer, r: &Value) -> String {
    let id = r["id"].as_str().unwrap();
    let (path, pointer) = match r["family"].as_str().unwrap() {
        "mrs" => return s.status_of(r["name"].as_str().unwrap()).await,
        "nova" => (format!("/v2.1/{PROJECT}/servers/{id}"), "/server/status"),
        "dbss" => (
            format!("/v1/{PROJECT}/db-om/{id}"),
            "/detail/server/0/status",
        ),
        "live" => (
            format!("/v1/{PROJECT}/flows/detail?flow_id={id}"),
            "/status",
        ),
        other => panic!("unknown family {other}"),
    };
    let answer = s.get(&path).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer
        .body
        .pointer(pointer)
        .unwrap()
        .as_str()
        .unwrap()
        .into()
}

#[tokio::test]
async fn the_resource_list_speaks_each_familys_words() {
    let s = TestServer::start(|_| {}).await;
    let all = common::resources_by_name(&s).await;
    let expected = [
        ("HDFS", "mrs", "Stopped"),
        ("bms-db-01", "nova", "ACTIVE"),
        ("dbom-prod", "dbss", "SHUTOFF"),
        ("flow-news", "live", "STANDBY"),
        ("flow-sports", "live", "ACTIVE"),
    ];
    for (name, family, status) in expected {
        let r = &all[name];
        assert_eq!(
            (&r["family"], &r["status"]),
            (&json!(family), &json!(status)),
            "{r}"
        );
    }
    assert_eq!(all["HDFS"]["cluster_name"], "mrs-demo");
    assert_eq!(all["HDFS"]["cluster_id"], 1);
    assert_eq!(all["bms-db-01"]["cluster_name"], Value::Null);
    // Every resource, every family: the list and the family's own answer agree.
    for r in all.values() {
        assert_eq!(
            r["status"].as_str().unwrap(),
            family_says(&s, r).await,
            "{r}"
        );
    }

    // After a change too: HDFS Normal, and the MRS API says so as well.
    let task = s.operate("HDFS", "start", false).await;
    s.wait_command(task).await;
    let hdfs = &common::resources_by_name(&s).await["HDFS"];
    assert_eq!(hdfs["status"], "Normal");
    assert_eq!(family_says(&s, hdfs).await, "Normal");
}

#[tokio::test]
async fn resource_state_events_carry_the_family_and_its_word() {
    let s = TestServer::start(|c| c.sim.speed = 5.0).await;
    let mut events = Events::open(&s.base, &s.token, "", None).await;

    let task = s.operate("ZooKeeper", "start", true).await;
    let seen = events.until_finished(task).await;
    let words: Vec<(&str, &str)> = seen
        .iter()
        .filter(|e| e.kind == "resource.state")
        .map(|e| {
            let r = &e.data["resource"];
            assert_eq!(r["family"], "mrs", "{r}");
            (r["state"].as_str().unwrap(), r["status"].as_str().unwrap())
        })
        .collect();
    assert_eq!(words.first(), Some(&("starting", "Starting")), "{seen:#?}");
    assert_eq!(words.last(), Some(&("running", "Normal")), "{seen:#?}");

    // A hard reboot of a server: Nova's HARD_REBOOT, then ACTIVE again.
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            json!({"reboot": {"type": "HARD"}}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let mut statuses = Vec::new();
    while statuses.last() != Some(&"ACTIVE".to_string()) {
        let e = events
            .next(std::time::Duration::from_secs(30))
            .await
            .expect("the reboot's events");
        if e.kind == "resource.state" && e.data["resource"]["id"] == DB01 {
            assert_eq!(e.data["resource"]["family"], "nova");
            statuses.push(e.data["resource"]["status"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(statuses, ["HARD_REBOOT", "ACTIVE"]);
}
