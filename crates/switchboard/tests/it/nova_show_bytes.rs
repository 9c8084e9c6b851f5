//! A Nova show is rendered from borrowed fields straight into its buffer, a detailed list
//! through `serde_json::Value`s: both must give the same bytes for the same server, at every
//! microversion, for an administrator and a viewer, with metadata from the inventory or the
//! store.

use crate::common;

use common::nova::{self, batch_id};
use common::PROJECT;
use serde_json::{json, Value};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

const VERSIONS: &[&str] = &[
    "2.1", "2.3", "2.9", "2.16", "2.19", "2.26", "2.47", "2.63", "2.71", "2.73", "2.90", "2.96",
    "2.98", "2.100", "2.102",
];

async fn raw(s: &common::TestServer, token: &str, path: &str, version: &str) -> Vec<u8> {
    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .header("X-Auth-Token", token)
        .header("OpenStack-API-Version", format!("compute {version}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_show_has_the_bytes_of_the_same_server_in_a_detailed_list() {
    let s = nova::server().await;
    // Metadata from the store for one server, from the inventory for the others.
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{DB01}/metadata"),
            json!({"metadata": {"z": "last", "a": "first \"quoted\" é"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let viewer = nova::viewer(&s).await;
    let ids = [DB01.to_string(), batch_id(1), batch_id(2)];
    let mut compared = 0;
    for token in [s.token.clone(), viewer] {
        for version in VERSIONS {
            let detail = raw(
                &s,
                &token,
                &format!("/v2.1/{PROJECT}/servers/detail"),
                version,
            )
            .await;
            let detail: Value = serde_json::from_slice(&detail).unwrap();
            for id in &ids {
                let mut entry = detail["servers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["id"] == id.as_str())
                    .unwrap_or_else(|| panic!("{id} not listed at {version}"))
                    .clone();
                let minor: u32 = version[2..].parse().unwrap();
                // The one field a show has and a list has not (2.71).
                if minor >= 71 {
                    entry["server_groups"] = json!([]);
                }
                let want = serde_json::to_vec(&json!({ "server": entry })).unwrap();
                let got = raw(
                    &s,
                    &token,
                    &format!("/v2.1/{PROJECT}/servers/{id}"),
                    version,
                )
                .await;
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "{id} at {version}"
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 2 * VERSIONS.len() * ids.len());
}
