//! BMS v1 reads through HTTP: server by id, lists with filters and pages (v1, v1.1), flavors,
//! quota and the version documents, and their bad input in BMS's error format.

use crate::common;

use common::identity::{server, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";
const MISSING: &str = "00000000-0000-0000-0000-000000000000";

fn bms(rest: &str) -> String {
    format!("/v1/{PROJECT}/baremetalservers{rest}")
}

fn assert_bms_error(r: &common::Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{}", r.body);
    assert!(r.body["error"]["message"].is_string(), "{}", r.body);
}

fn ids(body: &Value) -> Vec<String> {
    body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_server_reads_with_nova_status_and_bms_flavor() {
    let s = TestServer::start(|_| {}).await;
    let r = s.get(&bms(&format!("/{DB01}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let server = &r.body["server"];
    assert_eq!(server["id"], DB01);
    assert_eq!(server["name"], "bms-db-01");
    assert_eq!(server["status"], "ACTIVE");
    assert_eq!(server["OS-EXT-STS:vm_state"], "active");
    assert_eq!(server["OS-EXT-STS:power_state"], 1);
    assert_eq!(server["flavor"]["id"], "physical.s4.xlarge");
    assert!(server["flavor"]["vcpus"].is_string(), "{server}");
    assert!(server["tags"]
        .as_array()
        .unwrap()
        .contains(&"__type_baremetal".into()));
    assert_eq!(server["tenant_id"], PROJECT);
    let web = s.get(&bms(&format!("/{WEB01}"))).await;
    assert_eq!(web.body["server"]["status"], "SHUTOFF");
}

#[tokio::test]
async fn lists_filter_and_page_as_the_sdk_declares() {
    let s = TestServer::start(|_| {}).await;
    let all = s.get(&bms("/detail")).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["count"], 2);
    assert_eq!(ids(&all.body), [DB01, WEB01]);
    let shutoff = s.get(&bms("/detail?status=SHUTOFF")).await;
    assert_eq!(ids(&shutoff.body), [WEB01]);
    assert_eq!(shutoff.body["count"], 1);
    let named = s.get(&bms("/detail?name=db")).await;
    assert_eq!(ids(&named.body), [DB01]);
    let flavor = s.get(&bms("/detail?flavor=physical.s4.large")).await;
    assert_eq!(ids(&flavor.body), [WEB01]);
    let tagged = s.get(&bms("/detail?tags=__type_baremetal")).await;
    assert_eq!(tagged.body["count"], 2);
    // offset is a page number (from 1) of `limit` servers; count stays the total.
    let page2 = s.get(&bms("/detail?limit=1&offset=2")).await;
    assert_eq!(ids(&page2.body), [WEB01]);
    assert_eq!(page2.body["count"], 2);
    let page3 = s.get(&bms("/detail?limit=1&offset=3")).await;
    assert!(ids(&page3.body).is_empty());
    let first = s.get(&bms("/detail?limit=1")).await;
    assert_eq!(ids(&first.body), [DB01]);
    // v1.1: the short entries, same filters and pages.
    let v11 = s
        .get(&format!(
            "/v1.1/{PROJECT}/baremetalservers/detail?status=ACTIVE&limit=5&offset=1"
        ))
        .await;
    assert_eq!(v11.status, StatusCode::OK, "{}", v11.body);
    assert_eq!(ids(&v11.body), [DB01]);
    let entry = &v11.body["servers"][0];
    assert_eq!(entry["vm_state"], "active");
    assert_eq!(entry["flavor"]["id"], "physical.s4.xlarge");
    assert!(entry["flavor"]["vcpus"].is_i64(), "{entry}");
}

#[tokio::test]
async fn flavors_quota_and_versions() {
    let s = TestServer::start(|_| {}).await;
    let f = s.get(&bms("/flavors")).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    let names: Vec<&str> = f.body["flavors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    // The inventory's flavors, in id order as Nova lists them.
    assert_eq!(names, ["physical.s4.large", "physical.s4.xlarge"]);
    let none = s.get(&bms("/flavors?availability_zone=elsewhere")).await;
    assert_eq!(none.body["flavors"], serde_json::json!([]));
    let q = s.get(&bms("/limits")).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    assert_eq!(q.body["absolute"]["totalInstancesUsed"], 2);
    assert_eq!(q.body["absolute"]["maxTotalInstances"], 10);
    for v in ["v1", "v1.1"] {
        // A version document, served without a token.
        let r = s.call(Method::GET, &format!("/{v}"), None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["version"]["id"], v);
        assert!(r.body["version"]["links"][0]["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{v}/")));
    }
}

#[tokio::test]
async fn bad_input_answers_in_bms_format() {
    let s = TestServer::start(|_| {}).await;
    for q in [
        "limit=abc",
        "limit=0",
        "limit=1001",
        "offset=0",
        "offset=x",
        "detail=5",
        "status=RUNNING",
    ] {
        let r = s.get(&bms(&format!("/detail?{q}"))).await;
        assert_bms_error(&r, StatusCode::BAD_REQUEST, "BMS.0018");
        let r = s
            .get(&format!("/v1.1/{PROJECT}/baremetalservers/detail?{q}"))
            .await;
        assert_bms_error(&r, StatusCode::BAD_REQUEST, "BMS.0018");
    }
    let missing = s.get(&bms(&format!("/{MISSING}"))).await;
    assert_bms_error(&missing, StatusCode::NOT_FOUND, "BMS.0040");
    // Not UTF-8 once decoded: still BMS's envelope.
    let r = s.get(&bms("/%FF%FE")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "BMS.0001");
    let anon = s.call(Method::GET, &bms("/detail"), None, None).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_projects_servers_read_like_unknown_ones() {
    let s = server().await;
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let get = |path: String| {
        let alice = alice.clone();
        let s = &s;
        async move { s.call(Method::GET, &path, Some(&alice), None).await }
    };
    let existing = get(format!("/v1/{OTHER}/baremetalservers/{DB01}")).await;
    let unknown = get(format!("/v1/{OTHER}/baremetalservers/{MISSING}")).await;
    assert_bms_error(&existing, StatusCode::NOT_FOUND, "BMS.0040");
    assert_eq!(
        existing.body.to_string().replace(DB01, "ID"),
        unknown.body.to_string().replace(MISSING, "ID"),
        "an existing server of another project reads exactly like a missing one"
    );
    let list = get(format!("/v1/{OTHER}/baremetalservers/detail")).await;
    assert_eq!(list.body["count"], 0, "{}", list.body);
    let quota = get(format!("/v1/{OTHER}/baremetalservers/limits")).await;
    assert_eq!(quota.body["absolute"]["totalInstancesUsed"], 0);
    // Public flavors are everyone's (as in Nova); no server of the other project uses them.
    let flavors = get(format!("/v1/{OTHER}/baremetalservers/flavors")).await;
    for f in flavors.body["flavors"].as_array().unwrap() {
        assert_eq!(f["os-flavor-access:is_public"], true, "{f}");
        assert_eq!(f["os_extra_specs"]["cond:operation:az"], "", "{f}");
    }
    // The path naming a project the token is not scoped to: BMS's tenant mismatch.
    for rest in [
        format!("/{DB01}"),
        "/detail".into(),
        "/flavors".into(),
        "/limits".into(),
    ] {
        let r = get(format!("/v1/{PROJECT}/baremetalservers{rest}")).await;
        assert_bms_error(&r, StatusCode::BAD_REQUEST, "Common.0018");
    }
    let r = get(format!("/v1.1/{PROJECT}/baremetalservers/detail")).await;
    assert_bms_error(&r, StatusCode::BAD_REQUEST, "Common.0018");
}
