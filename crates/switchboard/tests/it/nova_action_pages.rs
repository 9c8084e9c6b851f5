//! Nova's instance actions a page at a time through HTTP: newest first, `next` links, markers
//! and `changes-since`, and markers or actions of another server refused.

use crate::common;

use common::nova::{assert_fault, wait_idle, with_version};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

fn actions_path(id: &str) -> String {
    format!("/v2.1/{PROJECT}/servers/{id}/os-instance-actions")
}

/// A request at microversion `version` whose answer must be 200.
async fn ok_at(s: &TestServer, path: &str, version: &str) -> Value {
    let r = with_version(s, Method::GET, path, version, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

fn request_ids(body: &Value) -> Vec<String> {
    body["instanceActions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["request_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn actions_page_newest_first_through_markers_and_change_times() {
    let s = TestServer::start(|c| c.sim.speed = 10.0).await;
    let mut asked = Vec::new();
    for (i, action) in ["os-stop", "os-start", "os-stop", "os-start", "os-stop"]
        .into_iter()
        .enumerate()
    {
        let path = format!("/v2.1/{PROJECT}/servers/{DB01}/action");
        let r = s.post(&path, json!({ action: null })).await;
        assert!(r.status.is_success(), "{action}: {}", r.body);
        asked.push(
            r.headers["x-openstack-request-id"]
                .to_str()
                .unwrap()
                .to_string(),
        );
        wait_idle(&s, DB01, if i % 2 == 0 { "SHUTOFF" } else { "ACTIVE" }).await;
    }
    let newest_first: Vec<String> = asked.iter().rev().cloned().collect();
    let all = ok_at(&s, &actions_path(DB01), "2.58").await;
    assert_eq!(request_ids(&all), newest_first);
    assert!(all.get("links").is_none(), "{all}");
    let admin = s
        .state
        .store
        .user_by_name("switchboard", "admin")
        .await
        .unwrap()
        .unwrap();
    for a in all["instanceActions"].as_array().unwrap() {
        assert_eq!(a["user_id"], admin.id.as_str(), "{a}");
    }

    // Pages of two, each continued from its `next` link.
    let mut seen = Vec::new();
    let mut path = format!("{}?limit=2", actions_path(DB01));
    loop {
        let page = ok_at(&s, &path, "2.58").await;
        let ids = request_ids(&page);
        assert!(ids.len() <= 2, "{page}");
        seen.extend(ids);
        let Some(next) = page["links"][0]["href"].as_str() else {
            break;
        };
        path = next.strip_prefix(&s.base).unwrap().to_string();
        assert!(
            path.contains(&format!("marker={}", seen.last().unwrap())),
            "{path}"
        );
    }
    assert_eq!(seen, newest_first);
    let after = ok_at(
        &s,
        &format!("{}?marker={}", actions_path(DB01), asked[1]),
        "2.58",
    )
    .await;
    assert_eq!(request_ids(&after), vec![asked[0].clone()]);
    let oldest = ok_at(
        &s,
        &format!("{}?marker={}", actions_path(DB01), asked[0]),
        "2.58",
    )
    .await;
    assert_eq!(oldest, json!({"instanceActions": []}));

    // `changes-since` keeps the actions changed at or after it; a marker must be among them.
    let updated = |i: usize| {
        all["instanceActions"][i]["updated_at"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let since = updated(1);
    let recent = ok_at(
        &s,
        &format!("{}?changes-since={since}", actions_path(DB01)),
        "2.58",
    )
    .await;
    let expected: Vec<String> = (0..asked.len())
        .filter(|&i| updated(i) >= since)
        .map(|i| newest_first[i].clone())
        .collect();
    assert!(expected.len() >= 2 && expected.len() < asked.len(), "{all}");
    assert_eq!(request_ids(&recent), expected);
    let path = format!(
        "{}?changes-since={since}&marker={}",
        actions_path(DB01),
        asked[0]
    );
    let r = with_version(&s, Method::GET, &path, "2.58", None).await;
    assert_fault(
        &r,
        "badRequest",
        400,
        &format!("Marker {} could not be found.", asked[0]),
    );
    for marker in [
        "req-gone",
        "gone",
        "req-00000000-0000-4000-8000-000000000000",
    ] {
        let path = format!("{}?marker={marker}", actions_path(DB01));
        let r = with_version(&s, Method::GET, &path, "2.58", None).await;
        assert_fault(
            &r,
            "badRequest",
            400,
            &format!("Marker {marker} could not be found."),
        );
    }
    // Another server's action is no marker here, nor an action to show.
    let path = format!("{}?marker={}", actions_path(WEB01), asked[0]);
    let r = with_version(&s, Method::GET, &path, "2.58", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = s
        .get(&format!("{}/{}", actions_path(WEB01), asked[0]))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = s.get(&format!("{}/{}", actions_path(DB01), asked[2])).await;
    assert_eq!(r.body["instanceAction"]["request_id"], asked[2].as_str());
}
