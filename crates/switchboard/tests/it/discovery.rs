//! DevStack's layout (`/identity`, `/compute`), the root document both discoveries read, the
//! catalog pointing at the prefixes, and Nova's and Keystone's faults for unserved paths.

use crate::common;

use common::sdk_date::now_date;
use common::signer::{admin_key, signed};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn self_link(version: &Value) -> String {
    version["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn root_is_keystones_unversioned_document_under_identity() {
    let s = TestServer::start(|_| {}).await;
    let r = s.call(Method::GET, "/", None, None).await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES, "{}", r.body);
    let versions = r.body["versions"]["values"].as_array().unwrap();
    // v3 alone: keystoneauth walks versions from the lowest and would take any v2.x for
    // Keystone v2 (Nova's documents live under /compute, where the catalog sends Nova clients).
    let ids: Vec<&str> = versions.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v3.14"]);
    assert_eq!(self_link(&versions[0]), format!("{}/identity/v3/", s.base));
}

#[tokio::test]
async fn identity_prefix_serves_keystone_documents_and_tokens() {
    let s = TestServer::start(|_| {}).await;
    for path in ["/identity", "/identity/"] {
        let r = s.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES, "{path}: {}", r.body);
        let v = &r.body["versions"]["values"][0];
        assert_eq!(v["id"], "v3.14");
        assert_eq!(self_link(v), format!("{}/identity/v3/", s.base));
    }
    for (path, base) in [("/identity/v3", "/identity"), ("/v3", "")] {
        let r = s.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            self_link(&r.body["version"]),
            format!("{}{base}/v3/", s.base)
        );
    }
    let body = common::token_body(
        "admin",
        common::PASSWORD,
        serde_json::json!({"project": {"id": PROJECT}}),
    );
    let r = s
        .call(Method::POST, "/identity/v3/auth/tokens", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = |kind: &str| {
        r.body["token"]["catalog"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap()["endpoints"][0]["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(url("identity"), format!("{}/identity", s.base));
    assert_eq!(url("compute"), format!("{}/compute/v2.1/{PROJECT}", s.base));
    // The Huawei families' discovery must not land on `/` (and claim to be Nova or Keystone).
    for kind in ["dbss", "live", "bms"] {
        assert!(url(kind).starts_with(&format!("{}/v1/{PROJECT}/", s.base)));
    }
    // The token works on both layouts.
    let token = r.headers["x-subject-token"].to_str().unwrap();
    for path in ["/identity/v3/projects", "/v3/projects"] {
        let r = s.call(Method::GET, path, Some(token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let link = r.body["links"]["self"].as_str().unwrap();
        assert_eq!(link, format!("{}{}", s.base, path));
    }
}

#[tokio::test]
async fn compute_prefix_serves_nova_with_links_under_it() {
    let s = TestServer::start(|_| {}).await;
    for path in ["/compute", "/compute/"] {
        let r = s.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.body["versions"][1]["id"], "v2.1");
        assert_eq!(
            self_link(&r.body["versions"][1]),
            format!("{}/compute/v2.1/", s.base)
        );
    }
    // novaclient discovers at the catalog URL itself, project id included.
    for (path, base) in [
        (format!("/compute/v2.1/{PROJECT}"), "/compute"),
        (format!("/compute/v2.1/{PROJECT}/"), "/compute"),
        (format!("/v2.1/{PROJECT}"), ""),
        ("/compute/v2.1".to_string(), "/compute"),
        ("/v2.1/".to_string(), ""),
    ] {
        let r = s.call(Method::GET, &path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.body["version"]["id"], "v2.1");
        assert_eq!(
            self_link(&r.body["version"]),
            format!("{}{base}/v2.1/", s.base)
        );
    }
    for (path, base) in [
        (
            format!("/compute/v2.1/{PROJECT}/servers/detail"),
            "/compute",
        ),
        (format!("/v2.1/{PROJECT}/servers/detail"), ""),
    ] {
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let server = &r.body["servers"][0];
        let id = server["id"].as_str().unwrap();
        assert_eq!(
            self_link(server),
            format!("{}{base}/v2.1/{PROJECT}/servers/{id}", s.base)
        );
    }
}

#[tokio::test]
async fn unserved_paths_answer_in_the_family_format() {
    let s = TestServer::start(|_| {}).await;
    for path in [
        "/v2.1/nope/more".to_string(),
        format!("/v2.1/{PROJECT}/os-nothing"),
        format!("/compute/v2.1/{PROJECT}/os-nothing"),
        "/compute/elsewhere".to_string(),
    ] {
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body["itemNotFound"]["code"], 404, "{path}: {}", r.body);
        assert_eq!(
            r.body["itemNotFound"]["message"],
            "The resource could not be found."
        );
    }
    for path in [
        format!("/v2.1/{PROJECT}/servers"),
        format!("/compute/v2.1/{PROJECT}/servers"),
    ] {
        let r = s.call(Method::DELETE, &path, Some(&s.token), None).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(r.body["badMethod"]["code"], 405, "{}", r.body);
    }
    for path in ["/v3/nothing", "/identity/v3/nothing", "/identity/elsewhere"] {
        let r = s.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body["error"]["code"], 404, "{path}: {}", r.body);
        assert_eq!(r.body["error"]["title"], "Not Found");
    }
    for path in ["/v3/auth/tokens", "/identity/v3/auth/tokens"] {
        let r = s.call(Method::PUT, path, Some(&s.token), None).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(r.body["error"]["title"], "Method Not Allowed", "{}", r.body);
    }
    // Elsewhere, the API gateway's format as before.
    let r = s.get("/v1/nothing/here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error_code"], "APIGW.0101");
    // A malformed microversion under the prefix: Nova's 400.
    let r = s
        .client
        .get(format!("{}/compute/v2.1/{PROJECT}/servers", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-OpenStack-Nova-API-Version", "two")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["badRequest"]["code"], 400, "{body}");
    // A path parameter that is not UTF-8 under a prefix: the family's 400.
    let r = s.get(&format!("/compute/v2.1/{PROJECT}/servers/%FF")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["badRequest"]["code"], 400, "{}", r.body);
    let r = s.get("/identity/v3.0/OS-CREDENTIAL/credentials/%FF").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], 400, "{}", r.body);
}

#[tokio::test]
async fn aksk_signatures_cover_the_prefixed_path() {
    let s = TestServer::start(|_| {}).await;
    let key = admin_key(&s).await;
    let path = format!("/compute/v2.1/{PROJECT}/servers");
    let r = signed(
        &s,
        &key,
        Method::GET,
        &path,
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = signed(
        &s,
        &key,
        Method::GET,
        "/identity/v3/projects",
        b"",
        None,
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
