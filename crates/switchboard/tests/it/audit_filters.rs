//! `GET /switchboard/v1/audit` filters: principal, action (exact or `prefix*`), target,
//! outcome, since/until (RFC 3339 or epoch milliseconds), applied by the store before
//! `limit`, within the caller's project; bad values are 400 in the native envelope.

use crate::common;

use common::identity::{self, token, OTHER};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DBOM_PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn audit(s: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let path = format!("/switchboard/v1/audit?{query}");
    let r = s.call(Method::GET, &path, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    r.body["records"].as_array().unwrap().clone()
}

fn field<'a>(records: &'a [Value], key: &str) -> Vec<&'a str> {
    records.iter().map(|r| r[key].as_str().unwrap()).collect()
}

fn enc(v: &str) -> String {
    v.replace('%', "%25")
        .replace('+', "%2B")
        .replace(':', "%3A")
        .replace('*', "%2A")
        .replace('@', "%40")
}

#[tokio::test]
async fn filters_apply_in_the_store_before_the_page() {
    // Kafka's start never ends, so a stop meanwhile is refused (and recorded as such).
    let s = identity::server_with(|c| {
        c.sim.faults = vec![switchboard_drivers::SimFault {
            resource: "Kafka".into(),
            action: Some(switchboard_core::Action::Start),
            fail_next: None,
            message: None,
            hang: true,
            take: None,
        }]
    })
    .await;
    let admin = s.token.clone();
    // An MRS start by the admin, a DBSS start by otto, a refused stop, then token records.
    let command = s.operate("HDFS", "start", true).await;
    s.wait_command(command).await;
    let otto = token(&s, "otto", "Otto-Password-1", PROJECT).await;
    let path = format!("/v1/{PROJECT}/db-om/{DBOM_PROD}/start");
    let r = s
        .call(Method::POST, &path, Some(&otto), Some(json!({})))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    // With ZooKeeper (stopped in the demo) first: a lone start would fail on it at once. Only
    // once Kafka's own start hangs (the firing is audited) is the stop sure to meet it.
    s.operate("Kafka", "start", false).await;
    let hang = "action=mrs%3Aservice%3Astart&outcome=faulted";
    for _ in 0..500 {
        if !audit(&s, &admin, hang).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let hangs = audit(&s, &admin, hang).await;
    assert_eq!(
        field(&hangs, "target"),
        ["mrs.1.Kafka"],
        "Kafka's start hangs"
    );
    let r = s
        .post(
            "/web/v1/maintain/cluster/1/service/Kafka/stop",
            json!({"only_self": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    for _ in 0..3 {
        token(&s, "vera", "Vera-Password-1", PROJECT).await;
    }

    let all = audit(&s, &admin, "limit=1000").await;
    let mrs = all
        .iter()
        .find(|r| r["action"] == "mrs:service:start" && r["target"] == "mrs.1.HDFS")
        .expect("the HDFS start is recorded");
    let hdfs = mrs["target"].as_str().unwrap();
    let admin_name = mrs["principal"].as_str().unwrap();
    let dbss = all
        .iter()
        .find(|r| r["action"] == "dbss:instance:start")
        .expect("the DBSS start is recorded");
    let otto_name = dbss["principal"].as_str().unwrap();

    // Old records found with limit=1: the filters run before the page.
    let one = audit(&s, &admin, &format!("target={hdfs}&limit=1")).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["id"], mrs["id"]);
    let one = audit(&s, &admin, "action=dbss%3Ainstance%3Astart&limit=1").await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["id"], dbss["id"]);
    let starts = audit(&s, &admin, "action=mrs%3Aservice%3Astart").await;
    // Kafka's hang is on record too, as the fault that shaped its start.
    let targets = ["mrs.1.Kafka", "mrs.1.Kafka", "mrs.1.HDFS"];
    assert_eq!(field(&starts, "target"), targets, "{starts:?}");
    let outcomes = ["faulted", "accepted", "accepted"];
    assert_eq!(field(&starts, "outcome"), outcomes, "{starts:?}");

    let by_otto = audit(&s, &admin, &format!("principal={}", enc(otto_name))).await;
    assert!(!by_otto.is_empty());
    assert!(field(&by_otto, "principal").iter().all(|p| *p == otto_name));
    let by_admin = audit(&s, &admin, &format!("principal={}", enc(admin_name))).await;
    assert!(by_admin.iter().all(|r| r["principal"] == admin_name));
    assert!(by_admin.iter().any(|r| r["id"] == mrs["id"]));

    // Prefixes: `dbss:*`; `%` and `_` are literal, not LIKE wildcards.
    let dbss_all = audit(&s, &admin, &format!("action={}", enc("dbss:*"))).await;
    assert_eq!(dbss_all.len(), 1, "{dbss_all:?}");
    assert!(field(&dbss_all, "action")
        .iter()
        .all(|a| a.starts_with("dbss:")));
    assert!(audit(&s, &admin, &format!("action={}", enc("dbss%*")))
        .await
        .is_empty());
    assert!(audit(&s, &admin, "action=dbss_instance_start")
        .await
        .is_empty());
    // `dbss:` exactly is no action.
    assert!(audit(&s, &admin, &format!("action={}", enc("dbss:")))
        .await
        .is_empty());

    let on_hdfs = audit(&s, &admin, &format!("target={hdfs}")).await;
    assert_eq!(field(&on_hdfs, "target"), vec![hdfs]);

    let refused = audit(&s, &admin, &format!("outcome={}", enc("refused*"))).await;
    assert_eq!(field(&refused, "action"), ["mrs:service:stop"], "{all:?}");
    assert!(field(&refused, "outcome")
        .iter()
        .all(|o| o.starts_with("refused")));
    let accepted = audit(
        &s,
        &admin,
        "outcome=accepted&action=dbss%3Ainstance%3Astart",
    )
    .await;
    assert_eq!(accepted.len(), 1, "{accepted:?}");

    // Time: RFC 3339 and epoch milliseconds, both bounds inclusive.
    let at = mrs["at"].as_str().unwrap();
    let ms = chrono_ms(at);
    let window = format!("since={}&until={}&action=mrs%3A%2A", enc(at), ms);
    let exact = audit(&s, &admin, &window).await;
    assert_eq!(exact.len(), 1, "{exact:?}");
    assert!(audit(&s, &admin, &format!("until={}", ms - 1))
        .await
        .iter()
        .all(|r| r["id"].as_i64() < mrs["id"].as_i64()));
    assert!(audit(&s, &admin, "since=4102444800000").await.is_empty());
    assert_eq!(
        audit(&s, &admin, "since=&principal=").await.len(),
        100.min(all.len())
    );

    // Another project's administrator filters within its own project only.
    let alice = token(&s, "alice", "Alice-Password-1", OTHER).await;
    let theirs = audit(&s, &alice, &format!("principal={}", enc(admin_name))).await;
    assert!(
        theirs.iter().all(|r| r["project_id"] == OTHER),
        "{theirs:?}"
    );
    assert!(theirs.iter().all(|r| r["id"] != mrs["id"]));
}

/// Milliseconds of an `…T…Z` time with milliseconds, as the audit renders it.
fn chrono_ms(at: &str) -> i64 {
    let (date, time) = at.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (hms, frac) = time.split_once('.').unwrap();
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    // Days from the civil date (Howard Hinnant).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + t[0]) * 60 + t[1]) * 60_000 + t[2] * 1000 + frac.parse::<i64>().unwrap()
}

#[tokio::test]
async fn bad_filter_values_are_400() {
    let s = identity::server().await;
    for query in [
        "since=yesterday",
        "until=2026-13-01T00:00:00Z",
        "since=-5",
        "since=2026-01-02",
        "since=2000&until=1000",
        "limit=0",
        "offset=x",
    ] {
        let path = format!("/switchboard/v1/audit?{query}");
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "bad_request", "{query}");
    }
}
