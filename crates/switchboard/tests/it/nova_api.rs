//! BMS native OpenStack (Nova v2.1) through HTTP.

use crate::common;

use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

fn action_path(id: &str) -> String {
    format!("/v2.1/{PROJECT}/servers/{id}/action")
}

async fn act(s: &TestServer, id: &str, body: Value) -> common::Reply {
    s.call(Method::POST, &action_path(id), Some(&s.token), Some(body))
        .await
}

async fn show(s: &TestServer, id: &str) -> Value {
    let r = s.get(&format!("/v2.1/{PROJECT}/servers/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["server"].clone()
}

fn states(server: &Value) -> (String, String, Value, Value) {
    (
        server["status"].as_str().unwrap().to_string(),
        server["OS-EXT-STS:vm_state"].as_str().unwrap().to_string(),
        server["OS-EXT-STS:task_state"].clone(),
        server["OS-EXT-STS:power_state"].clone(),
    )
}

async fn wait_status(s: &TestServer, id: &str, status: &str) -> Value {
    for _ in 0..300 {
        let server = show(s, id).await;
        if server["status"] == status && server["OS-EXT-STS:task_state"].is_null() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{id} never became {status}");
}

fn assert_fault(r: &common::Reply, fault: &str, code: u16, needle: &str) {
    assert_eq!(r.status.as_u16(), code, "{}", r.body);
    assert_eq!(r.body[fault]["code"], code, "{}", r.body);
    assert!(
        r.body[fault]["message"].as_str().unwrap().contains(needle),
        "{}",
        r.body
    );
    assert_eq!(r.headers["content-type"], "application/json; charset=UTF-8");
}

#[tokio::test]
async fn stop_shows_powering_off_then_shutoff_and_start_brings_it_back() {
    let s = TestServer::start(|c| c.sim.speed = 4.0).await;
    let r = act(&s, DB01, json!({"os-stop": null})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.body, Value::Null, "no body");
    assert!(r.headers["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req-"));
    let (status, vm, task, power) = states(&show(&s, DB01).await);
    assert_eq!(
        (status.as_str(), vm.as_str(), task, power),
        ("ACTIVE", "active", json!("powering-off"), json!(1))
    );
    let stopped = wait_status(&s, DB01, "SHUTOFF").await;
    assert_eq!(states(&stopped).1, "stopped");
    assert_eq!(stopped["OS-EXT-STS:power_state"], 4);

    let r = act(&s, DB01, json!({"os-start": {}})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let (status, _, task, _) = states(&show(&s, DB01).await);
    assert_eq!((status.as_str(), task), ("SHUTOFF", json!("powering-on")));
    wait_status(&s, DB01, "ACTIVE").await;
}

#[tokio::test]
async fn hard_reboot_shows_hard_reboot_and_soft_is_performed_as_hard() {
    let s = TestServer::start(|c| c.sim.speed = 4.0).await;
    for kind in ["HARD", "soft"] {
        let r = act(&s, DB01, json!({"reboot": {"type": kind}})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{kind}: {}", r.body);
        let (status, vm, task, _) = states(&show(&s, DB01).await);
        assert_eq!(
            (status.as_str(), vm.as_str(), task),
            ("HARD_REBOOT", "active", json!("reboot_started_hard"))
        );
        wait_status(&s, DB01, "ACTIVE").await;
    }
    assert_eq!(
        s.sim_log()
            .iter()
            .filter(|e| e.action.as_str() == "restart")
            .count(),
        2
    );
}

#[tokio::test]
async fn nova_preconditions() {
    let s = TestServer::start(|_| {}).await;
    let r = act(&s, DB01, json!({"os-start": null})).await;
    assert_fault(
        &r,
        "conflictingRequest",
        409,
        &format!("Cannot 'start' instance {DB01} while it is in vm_state active"),
    );
    let r = act(&s, WEB01, json!({"os-stop": {"type": "SOFT"}})).await;
    assert_fault(
        &r,
        "conflictingRequest",
        409,
        &format!("Cannot 'stop' instance {WEB01} while it is in vm_state stopped"),
    );
    // A HARD reboot of a SHUTOFF server is allowed and leaves it running.
    let r = act(&s, WEB01, json!({"reboot": {"type": "HARD"}})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = act(&s, WEB01, json!({"os-stop": null})).await;
    assert_fault(
        &r,
        "conflictingRequest",
        409,
        "task_state reboot_started_hard",
    );
    wait_status(&s, WEB01, "ACTIVE").await;
}

#[tokio::test]
async fn a_failed_operation_shows_error_with_a_fault() {
    let s = TestServer::start(|c| {
        c.engine.step_retries = 0;
        c.sim.faults = vec![switchboard_drivers::SimFault {
            resource: "bms-web-01".into(),
            action: Some(switchboard_core::Action::Start),
            fail_next: Some(1),
            message: Some("BMC did not answer".into()),
            hang: false,
            take: None,
        }];
    })
    .await;
    assert_eq!(
        act(&s, WEB01, json!({"os-start": null})).await.status,
        StatusCode::NO_CONTENT
    );
    let server = wait_status(&s, WEB01, "ERROR").await;
    assert_eq!(server["OS-EXT-STS:vm_state"], "error");
    assert!(
        server["fault"]["message"]
            .as_str()
            .unwrap()
            .contains("BMC did not answer"),
        "{server}"
    );
    // From ERROR, os-start is refused and os-stop is allowed, as in Nova.
    assert_eq!(
        act(&s, WEB01, json!({"os-start": null})).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        act(&s, WEB01, json!({"os-stop": null})).await.status,
        StatusCode::NO_CONTENT
    );
    wait_status(&s, WEB01, "SHUTOFF").await;
}

#[tokio::test]
async fn bad_requests_get_nova_faults() {
    let s = TestServer::start(|_| {}).await;
    let t = Some(s.token.as_str());
    assert_fault(
        &act(&s, DB01, json!({"explode": {}})).await,
        "badRequest",
        400,
        "There is no such action: explode",
    );
    assert_fault(
        &act(&s, "no-such-server", json!({"explode": {}})).await,
        "badRequest",
        400,
        "no such action",
    );
    assert_fault(
        &s.raw(Method::POST, &action_path(DB01), t, Some(b"{bad".to_vec()))
            .await,
        "badRequest",
        400,
        "Malformed request body",
    );
    assert_fault(
        &s.raw(Method::POST, &action_path(DB01), t, None).await,
        "badRequest",
        400,
        "Malformed request body",
    );
    assert_fault(
        &act(&s, DB01, json!({"reboot": {}})).await,
        "badRequest",
        400,
        "Invalid input for field/attribute reboot",
    );
    assert_fault(
        &act(&s, DB01, json!({"reboot": {"type": "MEDIUM"}})).await,
        "badRequest",
        400,
        "reboot",
    );
    assert_fault(
        &act(&s, DB01, json!({"reboot": {"type": "HARD", "force": true}})).await,
        "badRequest",
        400,
        "reboot",
    );
    assert_fault(
        &act(&s, DB01, json!([1])).await,
        "badRequest",
        400,
        "Malformed",
    );
    assert_fault(
        &act(&s, "no-such-server", json!({"os-start": null})).await,
        "itemNotFound",
        404,
        "Instance no-such-server could not be found.",
    );
    let other = s
        .call(
            Method::POST,
            &format!("/v2.1/{}/servers/{DB01}/action", "e".repeat(32)),
            t,
            Some(json!({"os-stop": null})),
        )
        .await;
    assert_fault(&other, "forbidden", 403, "project");
    assert_fault(
        &s.get(&format!("/v2.1/{PROJECT}/servers/nope")).await,
        "itemNotFound",
        404,
        "could not be found",
    );
    assert!(s.sim_log().is_empty(), "nothing was performed");
}

#[tokio::test]
async fn list_detail_and_name_filter() {
    let s = TestServer::start(|_| {}).await;
    let list = s.get(&format!("/v2.1/{PROJECT}/servers")).await;
    let servers = list.body["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 2);
    // Nova's default order: newest first (created_at, then id, descending).
    assert_eq!(servers[1]["id"], DB01);
    assert!(servers[1]["links"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v2.1/{PROJECT}/servers/{DB01}")));
    assert!(
        servers[0].get("status").is_none(),
        "the plain list has id, name and links only"
    );
    let detail = s
        .get(&format!("/v2.1/{PROJECT}/servers/detail?name=web"))
        .await;
    let servers = detail.body["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1);
    let web = &servers[0];
    assert_eq!(web["name"], "bms-web-01");
    assert_eq!(web["status"], "SHUTOFF");
    assert_eq!(web["tenant_id"], PROJECT);
    assert_eq!(web["flavor"]["id"], "physical.s4.large");
    assert_eq!(web["addresses"]["vpc-demo"][0]["addr"], "192.168.1.12");
    assert_eq!(
        web["addresses"]["vpc-demo"][0]["OS-EXT-IPS-MAC:mac_addr"],
        "fa:16:3e:11:22:02"
    );
    for key in [
        "OS-EXT-AZ:availability_zone",
        "OS-EXT-SRV-ATTR:host",
        "OS-SRV-USG:launched_at",
        "os-extended-volumes:volumes_attached",
        "security_groups",
    ] {
        assert!(web.get(key).is_some(), "{key}");
    }
    assert!(web.get("locked").is_none(), "2.9 fields only from 2.9 on");
}

#[tokio::test]
async fn microversions_and_version_documents() {
    let s = TestServer::start(|_| {}).await;
    let get = |version: Option<(&'static str, &'static str)>| {
        let mut req = s
            .client
            .get(format!("{}/v2.1/{PROJECT}/servers/{DB01}", s.base))
            .header("X-Auth-Token", &s.token);
        if let Some((h, v)) = version {
            req = req.header(h, v);
        }
        req.send()
    };
    let r = get(Some(("OpenStack-API-Version", "compute 2.26")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["openstack-api-version"], "compute 2.26");
    assert_eq!(r.headers()["x-openstack-nova-api-version"], "2.26");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["server"]["locked"], false);
    assert_eq!(body["server"]["tags"], json!([]));
    let r = get(Some(("X-OpenStack-Nova-API-Version", "2.19")))
        .await
        .unwrap();
    assert_eq!(r.headers()["x-openstack-nova-api-version"], "2.19");
    let r = get(None).await.unwrap();
    assert_eq!(r.headers()["x-openstack-nova-api-version"], "2.1");
    let r = get(Some(("OpenStack-API-Version", "compute 2.200")))
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    let r = get(Some(("X-OpenStack-Nova-API-Version", "two")))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["badRequest"]["message"]
        .as_str()
        .unwrap()
        .contains("invalid format"));

    let root = s.call(Method::GET, "/compute/", None, None).await;
    assert_eq!(root.status, StatusCode::OK);
    let v21 = root.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "v2.1")
        .unwrap()
        .clone();
    assert_eq!(v21["status"], "CURRENT");
    assert_eq!(v21["min_version"], "2.1");
    assert_eq!(v21["version"], "2.104");
    let doc = s.call(Method::GET, "/v2.1/", None, None).await;
    assert_eq!(doc.body["version"]["id"], "v2.1");
    assert_eq!(
        doc.body["version"]["media-types"][0]["type"],
        "application/vnd.openstack.compute+json;version=2.1"
    );
}

#[tokio::test]
async fn actions_can_answer_202_like_upstream_nova() {
    let s = TestServer::start(|c| c.api.nova_action_status = 202).await;
    assert_eq!(
        act(&s, DB01, json!({"os-stop": null})).await.status,
        StatusCode::ACCEPTED
    );
}
