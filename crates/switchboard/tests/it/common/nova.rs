//! A server with more servers than one page, another project, a viewer and flavors, for the
//! Nova list and flavor tests.

use super::identity::{token, OTHER};
use super::{Reply, TestServer, PROJECT};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use switchboard::config::{Config, UserConfig};
use switchboard_core::inventory::{FlavorSpec, MemberSpec, ProjectSpec};

/// The other project's server (its flavor `gpu.secret` is derived, private to that project).
pub const OTHER_SERVER: &str = "0e0e0e0e-0000-4000-8000-000000000001";
/// Servers of the project besides the demo's two: `bms-batch-01` … `-07`.
pub const BATCH: usize = 7;

pub fn batch_id(i: usize) -> String {
    format!("b0000000-0000-4000-8000-00000000000{i}")
}

#[derive(Deserialize)]
struct Extra {
    projects: Vec<ProjectSpec>,
    users: Vec<UserConfig>,
    servers: Vec<MemberSpec>,
    flavors: Vec<FlavorSpec>,
}

fn extra() -> String {
    let mut t = format!(
        r#"
[[projects]]
id = "{OTHER}"
name = "other-1"
domain = "switchboard"

[[users]]
name = "vera"
password = "Vera-Password-1"
roles = {{ "local-1" = "viewer" }}

[[users]]
name = "alice"
password = "Alice-Password-1"
roles = {{ "other-1" = "admin" }}

[[flavors]]
id = "physical.s4.private"
name = "physical.s4.private"
vcpus = 8
ram = 8192
disk = 100
swap = 512
is_public = false
projects = ["other-1"]

[[servers]]
id = "{OTHER_SERVER}"
project = "other-1"
name = "bms-other-01"
state = "running"
attrs = {{ flavor = "gpu.secret", image = "img-other" }}
"#
    );
    for i in 1..=BATCH {
        let (state, az) = if i % 2 == 0 {
            ("stopped", "cn-north-4b")
        } else {
            ("running", "cn-north-4a")
        };
        t.push_str(&format!(
            r#"
[[servers]]
id = "{}"
project = "local-1"
name = "bms-batch-0{i}"
state = "{state}"
attrs = {{ flavor = "physical.s4.large", image = "img-batch", availability_zone = "{az}", created = "2025-01-0{i}T00:00:00Z", tags = ["batch", "t{i}"], addresses = {{ "vpc-demo" = [{{ addr = "10.0.0.{i}", version = 4 }}] }} }}
"#,
            batch_id(i)
        ));
    }
    t
}

/// The demo plus [`extra`]; the admin's token is the server's own.
pub async fn server() -> TestServer {
    TestServer::start(|c: &mut Config| {
        let extra: Extra = toml::from_str(&extra()).unwrap();
        c.projects.extend(extra.projects);
        c.users = extra.users;
        c.servers.extend(extra.servers);
        c.flavors.extend(extra.flavors);
    })
    .await
}

pub async fn viewer(s: &TestServer) -> String {
    token(s, "vera", "Vera-Password-1", super::PROJECT).await
}

pub async fn other_admin(s: &TestServer) -> String {
    token(s, "alice", "Alice-Password-1", OTHER).await
}

/// GET with the admin's token at `version` (none: the minimum).
pub async fn get_at(s: &TestServer, path: &str, version: Option<&str>) -> Reply {
    get_as(s, &s.token, path, version).await
}

pub async fn get_as(s: &TestServer, token: &str, path: &str, version: Option<&str>) -> Reply {
    let mut req = s
        .client
        .get(format!("{}{path}", s.base))
        .header("X-Auth-Token", token);
    if let Some(v) = version {
        req = req.header("OpenStack-API-Version", format!("compute {v}"));
    }
    super::reply(req.send().await.unwrap()).await
}

/// The fault of a Nova error answer: (fault name, message).
pub fn fault(r: &Reply) -> (String, String) {
    let (name, body) = r.body.as_object().and_then(|o| o.iter().next()).unwrap();
    assert_eq!(body["code"], r.status.as_u16(), "{}", r.body);
    (name.clone(), body["message"].as_str().unwrap().to_string())
}

/// A request as the admin at microversion `version` (the legacy header).
pub async fn with_version(
    s: &TestServer,
    method: Method,
    path: &str,
    version: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = s
        .client
        .request(method, format!("{}{path}", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-OpenStack-Nova-API-Version", version);
    if let Some(b) = body {
        req = req.json(&b);
    }
    super::reply(req.send().await.unwrap()).await
}

/// A Nova fault `fault` with `code` whose message contains `needle`.
pub fn assert_fault(r: &Reply, fault: &str, code: u16, needle: &str) {
    assert_eq!(r.status.as_u16(), code, "{}", r.body);
    assert_eq!(r.body[fault]["code"], code, "{}", r.body);
    let message = r.body[fault]["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

/// The ids of a server list, which must have answered 200.
pub fn ids(r: &Reply) -> Vec<String> {
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
    r.body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

/// The names of a server list.
pub fn names(r: &Reply) -> Vec<String> {
    r.body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// The project's server list with `query`.
pub fn servers(query: &str) -> String {
    format!("/v2.1/{}/servers{query}", super::PROJECT)
}

/// GET as the admin at `version`.
pub async fn version_get(s: &TestServer, path: &str, version: &str) -> Reply {
    get_at(s, path, Some(version)).await
}

/// Waits until server `id` shows `status` with no task state.
pub async fn wait_idle(s: &TestServer, id: &str, status: &str) {
    for _ in 0..500 {
        let r = s.get(&format!("/v2.1/{PROJECT}/servers/{id}")).await;
        if r.body["server"]["status"] == status
            && r.body["server"]["OS-EXT-STS:task_state"].is_null()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{id} never became {status}");
}
