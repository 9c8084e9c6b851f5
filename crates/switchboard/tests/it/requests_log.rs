//! The request log (`GET /switchboard/v1/requests`): what each client sent and what it got,
//! credentials masked, bounded, filtered, administrators only and scoped to their projects.

use crate::common;

use common::identity::{server_with, token, OTHER};
use common::{TestServer, PASSWORD, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const LOG: &str = "/switchboard/v1/requests";
const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn logged(tweak: impl FnOnce(&mut switchboard::config::Config)) -> TestServer {
    server_with(|c| {
        c.requests.log = 100;
        tweak(c);
    })
    .await
}

/// The log's entries for `query`, newest first.
async fn entries(s: &TestServer, query: &str) -> Vec<Value> {
    let r = s.get(&format!("{LOG}?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["requests"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_nova_reboot_and_a_failed_dbss_start_show_operation_status_code_task_and_masked_headers()
{
    let s = logged(|_| {}).await;
    let r = s
        .client
        .post(format!("{}/v2.1/{PROJECT}/servers/{DB01}/action", s.base))
        .header("X-Auth-Token", &s.token)
        .header("User-Agent", "python-novaclient test")
        .header("X-OpenStack-Nova-API-Version", "2.1")
        .header("Cookie", "not-kept")
        .json(&json!({"reboot": {"type": "HARD"}}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let reboot_id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let rules = json!([{"action": "dbss:instance:start", "times": 1,
        "error": {"statusCode": 500, "code": "DBSS.00000001", "message": "injected"}}]);
    let r = s.post("/switchboard/v1/faults", rules).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let path = format!("/v1/{PROJECT}/db-om/{PROD}/start");
    let r = s.raw(Method::POST, &path, Some(&s.token), None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);

    let found = entries(&s, "operation=nova:server:reboot").await;
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    assert_eq!(
        (e["family"].as_str(), e["method"].as_str()),
        (Some("nova"), Some("POST"))
    );
    assert_eq!(e["path"], format!("/v2.1/{PROJECT}/servers/{DB01}/action"));
    assert_eq!(e["request_id"], reboot_id.as_str());
    assert_eq!(e["body"], r#"{"reboot":{"type":"HARD"}}"#);
    assert_eq!(e["error_code"], Value::Null);
    let headers = &e["headers"];
    assert_eq!(headers["x-auth-token"], "***");
    assert_eq!(headers["user-agent"], "python-novaclient test");
    assert_eq!(headers["x-openstack-nova-api-version"], "2.1");
    assert!(headers.get("cookie").is_none(), "{headers}");
    assert_eq!(e["principal"]["user_name"], "admin");
    assert_eq!(e["principal"]["project_id"], PROJECT);
    let tasks = s
        .get(&format!("/switchboard/v1/tasks?request_id={reboot_id}"))
        .await;
    let task = &tasks.body["tasks"][0]["id"];
    assert!(task.is_i64(), "{}", tasks.body);
    assert_eq!(&e["task_id"], task);

    let failed = entries(&s, "family=dbss&status=5xx").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let f = &failed[0];
    assert_eq!(f["operation"], "dbss:instance:start");
    assert_eq!(f["status"], 500);
    assert_eq!(f["error_code"], "DBSS.00000001");
    assert_eq!(f["error_message"], "injected");
    assert_eq!(f["task_id"], Value::Null, "nothing was accepted");
    assert!(f["seq"].as_u64() > e["seq"].as_u64());
}

#[tokio::test]
async fn a_keystone_password_login_is_kept_with_its_password_masked() {
    let s = logged(|_| {}).await;
    s.issue_token(json!({"project": {"id": PROJECT}})).await;
    let all = s.get(LOG).await;
    assert!(!all.body.to_string().contains(PASSWORD), "{}", all.body);
    let logins = entries(&s, "family=keystone&status=201").await;
    assert!(logins.len() >= 2, "the start-up login too: {logins:?}");
    let body = logins[0]["body"].as_str().unwrap();
    assert!(body.contains(r#""password":"***""#), "{body}");
    assert!(
        body.contains(r#""name":"admin""#),
        "the rest is kept: {body}"
    );
    assert_eq!(logins[0]["operation"], Value::Null);
    // A failed login answers Keystone's code.
    let bad = common::token_body(
        "admin",
        "wrong-password",
        json!({"project": {"id": PROJECT}}),
    );
    let r = s
        .call(Method::POST, "/v3/auth/tokens", None, Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let failed = entries(&s, "family=keystone&status=401").await;
    assert_eq!(failed[0]["error_code"], "401");
    assert!(!failed[0]["body"]
        .as_str()
        .unwrap()
        .contains("wrong-password"));
}

#[tokio::test]
async fn a_big_body_is_cut_and_the_ring_drops_the_oldest() {
    let s = server_with(|c| {
        c.requests.log = 5;
        c.requests.body_bytes = 64;
    })
    .await;
    let big = json!({"reboot": {"type": "HARD", "pad": "x".repeat(10_000)}}).to_string();
    let path = format!("/v2.1/{PROJECT}/servers/{DB01}/action");
    let r = s
        .raw(
            Method::POST,
            &path,
            Some(&s.token),
            Some(big.clone().into_bytes()),
        )
        .await;
    assert!(r.status.as_u16() < 500, "{}", r.body);
    let e = &entries(&s, "family=nova").await[0];
    assert_eq!(e["body_length"], big.len());
    assert_eq!(e["body_truncated"], true);
    assert_eq!(e["body"], &big[..64]);
    for _ in 0..6 {
        s.get("/switchboard/v1/resources").await;
    }
    let kept = entries(&s, "").await;
    assert_eq!(kept.len(), 5, "{kept:?}");
    assert!(kept
        .iter()
        .all(|e| e["path"] == "/switchboard/v1/resources"));
    let seqs: Vec<u64> = kept.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first: {seqs:?}"
    );
}

#[tokio::test]
async fn filters_narrow_the_log_and_bad_ones_are_refused() {
    let s = logged(|_| {}).await;
    s.get("/switchboard/v1/resources").await;
    s.get(&format!("/v2.1/{PROJECT}/servers/{DB01}")).await;
    let missing = s
        .get(&format!(
            "/v2.1/{PROJECT}/servers/00000000-0000-4000-8000-000000000000"
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let id = missing.headers["x-request-id"].to_str().unwrap();

    let nova = entries(&s, "operation=nova:*").await;
    assert_eq!(nova.len(), 2, "{nova:?}");
    assert!(nova.iter().all(|e| e["family"] == "nova"));
    let notfound = entries(&s, "status=4xx").await;
    assert_eq!(notfound.len(), 1);
    assert_eq!(notfound[0]["error_code"], "itemNotFound");
    assert_eq!(entries(&s, "status=404").await.len(), 1);
    assert_eq!(entries(&s, &format!("request_id={id}")).await.len(), 1);
    let newest = entries(&s, "limit=1").await;
    assert_eq!(newest[0]["request_id"], id);
    let since = newest[0]["seq"].as_u64().unwrap() - 1;
    assert_eq!(entries(&s, &format!("since={since}")).await.len(), 1);
    assert!(
        entries(&s, "").await.iter().all(|e| e["path"] != LOG),
        "the log does not log its own reads"
    );
    for bad in [
        "status=abc",
        "status=6xx",
        "limit=0",
        "limit=1001",
        "since=-1",
    ] {
        let r = s.get(&format!("{LOG}?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn requests_refused_before_routing_are_logged_as_unrouted() {
    let s = logged(|_| {}).await;
    let r = s.get("/no/such/path?x=1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s
        .client
        .get(format!("{}/v1/{PROJECT}/db-om/instances", s.base))
        .header("X-Sdk-Date", "20260101T000000Z")
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=NOSUCHKEY, SignedHeaders=host;x-sdk-date, Signature=abc",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let unrouted = entries(&s, "family=unrouted").await;
    assert_eq!(unrouted.len(), 2, "{unrouted:?}");
    let (signed, unknown) = (&unrouted[0], &unrouted[1]);
    assert_eq!(signed["status"], 401);
    assert_eq!(signed["headers"]["authorization"], "SDK-HMAC-SHA256 ***");
    assert_eq!(signed["headers"]["x-sdk-date"], "20260101T000000Z");
    assert_eq!(
        (unknown["path"].as_str(), unknown["query"].as_str()),
        (Some("/no/such/path"), Some("x=1"))
    );
    assert_eq!(unknown["status"], 404);
    assert!(
        entries(&s, "").await.iter().all(|e| e["path"] != "/health"),
        "probes are not logged"
    );
}

#[tokio::test]
async fn off_by_default_in_a_configuration_it_answers_409_saying_how_to_turn_it_on() {
    let s = TestServer::start(|_| {}).await;
    let r = s.get(LOG).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "request_log_off");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("[requests]") && message.contains("SWITCHBOARD_REQUEST_LOG"));
}

#[tokio::test]
async fn non_admins_get_403_and_a_project_admin_sees_only_its_projects_requests() {
    let s = logged(|_| {}).await;
    let vera = token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let r = s.call(Method::GET, LOG, Some(&vera), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"]["code"], "forbidden");

    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let theirs = format!("/v2.1/{OTHER}/servers");
    let r = s.call(Method::GET, &theirs, Some(&alice), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.get(&format!("/v2.1/{PROJECT}/servers")).await;

    let r = s.call(Method::GET, LOG, Some(&alice), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let seen = r.body["requests"].as_array().unwrap();
    assert!(
        seen.iter().any(|e| e["path"] == theirs.as_str()),
        "{seen:?}"
    );
    for e in seen {
        let project = e["principal"]["project_id"].as_str();
        assert!(
            project == Some(OTHER) || e["path_project"] == OTHER,
            "not alice's project: {e}"
        );
    }
    let all = entries(&s, "").await;
    assert!(all.iter().any(|e| e["path"] == theirs.as_str()));
    assert!(all
        .iter()
        .any(|e| e["path"] == format!("/v2.1/{PROJECT}/servers")));
}

/// Read throughput with the log off and on, alternating rounds (`cargo test -p switchboard
/// --test requests_log -- --ignored --nocapture overhead`); prints requests per second.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a check"]
async fn overhead() {
    const N: usize = 4000;
    const CONCURRENCY: usize = 8;
    let off = TestServer::start(|_| {}).await;
    let on = TestServer::start(|c| c.requests.log = 1000).await;
    let path = format!("/v2.1/{PROJECT}/servers/{DB01}");
    for round in 1..=3 {
        for (name, s) in [("off", &off), ("on", &on)] {
            let started = std::time::Instant::now();
            let next = std::sync::atomic::AtomicUsize::new(0);
            let workers = (0..CONCURRENCY).map(|_| async {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < N {
                    let r = s.get(&path).await;
                    assert_eq!(r.status, StatusCode::OK);
                }
            });
            futures::future::join_all(workers).await;
            let rate = N as f64 / started.elapsed().as_secs_f64();
            println!("round {round} log {name}: {rate:.0} requests/s");
        }
    }
}
