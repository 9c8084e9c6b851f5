//! Nova server metadata through HTTP: kept in the store, seeded from the inventory, validated
//! and limited as Nova does, no update lost to a concurrent writer.

use crate::common;

use common::identity::{self, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";
const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

fn meta(id: &str) -> String {
    format!("/v2.1/{PROJECT}/servers/{id}/metadata")
}

fn assert_fault(r: &common::Reply, fault: &str, code: u16, needle: &str) {
    assert_eq!(r.status.as_u16(), code, "{}", r.body);
    let message = r.body[fault]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.body));
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

async fn seeded() -> TestServer {
    TestServer::start(|c| {
        c.servers[0].attrs["metadata"] = json!({"role": "db", "tier": "gold"});
    })
    .await
}

#[tokio::test]
async fn metadata_is_kept_and_shown_with_the_server() {
    let s = seeded().await;
    let r = s.get(&meta(DB01)).await;
    assert_eq!(r.body, json!({"metadata": {"role": "db", "tier": "gold"}}));
    let r = s
        .post(
            &meta(DB01),
            json!({"metadata": {"owner": "ops", "tier": "silver"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"metadata": {"owner": "ops", "role": "db", "tier": "silver"}})
    );
    let r = s
        .call(
            Method::PUT,
            &format!("{}/zone", meta(DB01)),
            Some(&s.token),
            Some(json!({"meta": {"zone": "a"}})),
        )
        .await;
    assert_eq!(r.body, json!({"meta": {"zone": "a"}}));
    assert_eq!(
        s.get(&format!("{}/zone", meta(DB01))).await.body,
        json!({"meta": {"zone": "a"}})
    );
    let r = s
        .call(
            Method::DELETE,
            &format!("{}/role", meta(DB01)),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let expected = json!({"owner": "ops", "tier": "silver", "zone": "a"});
    assert_eq!(s.get(&meta(DB01)).await.body["metadata"], expected);
    let shown = s.get(&format!("/v2.1/{PROJECT}/servers/{DB01}")).await;
    assert_eq!(shown.body["server"]["metadata"], expected);
    let detail = s.get(&format!("/v2.1/{PROJECT}/servers/detail")).await;
    let db = detail.body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == DB01)
        .cloned()
        .unwrap();
    assert_eq!(db["metadata"], expected);
    // PUT replaces the whole set; an empty set is a set too (not the inventory's again).
    let r = s
        .call(
            Method::PUT,
            &meta(DB01),
            Some(&s.token),
            Some(json!({"metadata": {}})),
        )
        .await;
    assert_eq!(r.body, json!({"metadata": {}}));
    assert_eq!(s.get(&meta(DB01)).await.body, json!({"metadata": {}}));
    assert_eq!(s.get(&meta(WEB01)).await.body, json!({"metadata": {}}));
}

#[tokio::test]
async fn bad_input_is_refused_whole() {
    let s = seeded().await;
    let key = |k: &str| format!("{}/{k}", meta(DB01));
    let put = |path: String, body: Value| {
        let s = &s;
        async move { s.call(Method::PUT, &path, Some(&s.token), Some(body)).await }
    };
    assert_fault(
        &put(key("a"), json!({"meta": {"b": "1"}})).await,
        "badRequest",
        400,
        "Request body and URI mismatch",
    );
    assert_fault(
        &put(key("a"), json!({"meta": {"a": "1", "b": "2"}})).await,
        "badRequest",
        400,
        "too many properties",
    );
    assert_fault(
        &put(key("a"), json!({"meta": {}})).await,
        "badRequest",
        400,
        "not have enough properties",
    );
    assert_fault(
        &put(key("a"), json!({"meta": {"a": 1}})).await,
        "badRequest",
        400,
        "is not of type 'string'",
    );
    assert_fault(
        &put(key("a"), json!({"meta": {"a": "x".repeat(256)}})).await,
        "badRequest",
        400,
        "is too long",
    );
    assert_fault(
        &put(meta(DB01), json!({"metadata": {"k".repeat(256): "v"}})).await,
        "badRequest",
        400,
        "was unexpected",
    );
    assert_fault(
        &put(meta(DB01), json!({"metadata": {"a/b": "v"}})).await,
        "badRequest",
        400,
        "was unexpected",
    );
    assert_fault(
        &put(meta(DB01), json!({"metadata": {"a": "v"}, "x": 1})).await,
        "badRequest",
        400,
        "was unexpected",
    );
    assert_fault(
        &put(meta(DB01), json!({"meta": {"a": "v"}})).await,
        "badRequest",
        400,
        "'metadata' is a required property",
    );
    assert_fault(
        &put(meta(DB01), json!({"metadata": ["a"]})).await,
        "badRequest",
        400,
        "is not of type 'object'",
    );
    let r = s
        .raw(
            Method::POST,
            &meta(DB01),
            Some(&s.token),
            Some(b"{nope".to_vec()),
        )
        .await;
    assert_fault(&r, "badRequest", 400, "Malformed request body");
    // 129 items: Nova's quota, and nothing of the request applied.
    let many: serde_json::Map<String, Value> =
        (0..127).map(|i| (format!("k{i}"), json!("v"))).collect();
    let r = s.post(&meta(DB01), json!({"metadata": many})).await;
    assert_fault(
        &r,
        "forbidden",
        403,
        "Maximum number of metadata items exceeds 128",
    );
    let r = s
        .post(&meta(DB01), json!({"metadata": {"one": "more"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        s.get(&meta(DB01)).await.body["metadata"]
            .as_object()
            .unwrap()
            .len(),
        3
    );
    assert_fault(
        &s.get(&key("missing")).await,
        "itemNotFound",
        404,
        "Metadata item was not found",
    );
    let r = s
        .call(Method::DELETE, &key("missing"), Some(&s.token), None)
        .await;
    assert_fault(&r, "itemNotFound", 404, "Metadata item was not found");
    assert_fault(
        &s.get(&meta(UNKNOWN)).await,
        "itemNotFound",
        404,
        &format!("Instance {UNKNOWN} could not be found."),
    );
    // A server in transition: Nova's 409.
    let r = s
        .post(
            &format!("/v2.1/{PROJECT}/servers/{DB01}/action"),
            json!({"os-stop": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s
        .post(&meta(DB01), json!({"metadata": {"late": "x"}}))
        .await;
    assert_fault(
        &r,
        "conflictingRequest",
        409,
        "Cannot 'update metadata' instance",
    );
}

#[tokio::test]
async fn other_projects_servers_read_like_unknown_ones_and_viewers_only_read() {
    let s = identity::server().await;
    let alice = identity::token(&s, "alice", "Alice-Password-1", OTHER).await;
    let path = |id: &str| format!("/v2.1/{OTHER}/servers/{id}/metadata");
    let theirs = s.call(Method::GET, &path(DB01), Some(&alice), None).await;
    let unknown = s
        .call(Method::GET, &path(UNKNOWN), Some(&alice), None)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(
        theirs.body.to_string().replace(DB01, UNKNOWN),
        unknown.body.to_string()
    );
    let r = s
        .call(
            Method::POST,
            &path(DB01),
            Some(&alice),
            Some(json!({"metadata": {"a": "b"}})),
        )
        .await;
    assert_eq!(
        r.body.to_string().replace(DB01, UNKNOWN),
        unknown.body.to_string()
    );
    let vera = identity::token(&s, "vera", "Vera-Password-1", PROJECT).await;
    assert_eq!(
        s.call(Method::GET, &meta(DB01), Some(&vera), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = s
        .call(
            Method::POST,
            &meta(DB01),
            Some(&vera),
            Some(json!({"metadata": {"a": "b"}})),
        )
        .await;
    assert_fault(&r, "forbidden", 403, "nova:server:metadata:update");
}

#[tokio::test]
async fn concurrent_writers_lose_no_update() {
    let s = seeded().await;
    let writes = (0..40).map(|i| {
        let s = &s;
        async move {
            let r = if i % 2 == 0 {
                s.post(&meta(DB01), json!({"metadata": {format!("k{i}"): "v"}}))
                    .await
            } else {
                let path = format!("{}/k{i}", meta(DB01));
                s.call(
                    Method::PUT,
                    &path,
                    Some(&s.token),
                    Some(json!({"meta": {format!("k{i}"): "v"}})),
                )
                .await
            };
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    });
    futures::future::join_all(writes).await;
    let items = s.get(&meta(DB01)).await.body["metadata"]
        .as_object()
        .unwrap()
        .len();
    assert_eq!(items, 42, "40 writes and the 2 seeded items");
}
