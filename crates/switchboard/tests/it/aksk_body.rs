//! Signatures cover the body: a captured signed request cannot be replayed with another body,
//! `UNSIGNED-PAYLOAD` and `X-Project-Id` count only when signed, and bodies are read only for a
//! known key and never beyond the limit.

use crate::common;

use common::sdk_date::now_date;
use common::signer::{admin_key, send_forged, Forged, Key};
use common::{Reply, TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use switchboard_identity::signing::{self, ReceivedRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const REBOOT: &[u8] = br#"{"reboot": {"type": "HARD"}}"#;
const STOP: &[u8] = br#"{"os-stop": null}"#;

fn sha256(body: &[u8]) -> String {
    let req = ReceivedRequest {
        method: "POST",
        path: "/",
        query: None,
        headers: &[],
        body,
    };
    signing::payload_hash(&req, &[])
}

/// The headers the official SDK signs, besides Host.
fn sdk_headers<'a>() -> Vec<(&'a str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        ("User-Agent", "huaweicloud-usdk-python/3.0; test".into()),
        ("X-Project-Id", PROJECT.into()),
        ("X-Sdk-Date", now_date()),
    ]
}

fn action() -> String {
    format!("/v2.1/{PROJECT}/servers/{DB01}/action")
}

fn assert_refused(r: &Reply) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.body["error_code"], "APIGW.0301", "{}", r.body);
}

#[tokio::test]
async fn a_signed_request_replayed_with_another_body_is_refused_and_not_performed() {
    let s = TestServer::start(|_| {}).await;
    let key = admin_key(&s).await;
    let target = action();
    // The captured reboot, its body swapped for os-stop; the attacker declares the original
    // body's hash in an unsigned header, which is what used to be trusted.
    let swapped = send_forged(
        &s,
        &key,
        Forged {
            method: Method::POST,
            target: &target,
            signed: sdk_headers(),
            unsigned: vec![("X-Sdk-Content-Sha256", sha256(REBOOT))],
            signed_body: REBOOT,
            sent_body: Some(STOP),
            payload_line: None,
        },
    )
    .await;
    assert_refused(&swapped);
    // Even a signed declaration of the hash does not stand for a body that is not it.
    let mut declared = sdk_headers();
    declared.push(("X-Sdk-Content-Sha256", sha256(REBOOT)));
    let swapped_signed = send_forged(
        &s,
        &key,
        Forged {
            method: Method::POST,
            target: &target,
            signed: declared.clone(),
            unsigned: vec![],
            signed_body: REBOOT,
            sent_body: Some(STOP),
            payload_line: None,
        },
    )
    .await;
    assert_refused(&swapped_signed);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(s.sim_log().is_empty(), "nothing was performed");
    // The genuine request, with its declared hash signed, still works.
    let genuine = send_forged(
        &s,
        &key,
        Forged {
            method: Method::POST,
            target: &target,
            signed: declared,
            unsigned: vec![],
            signed_body: REBOOT,
            sent_body: None,
            payload_line: None,
        },
    )
    .await;
    assert_eq!(genuine.status, StatusCode::NO_CONTENT, "{}", genuine.body);
}

#[tokio::test]
async fn unsigned_payload_counts_only_when_its_header_is_signed() {
    let s = TestServer::start(|_| {}).await;
    let key = admin_key(&s).await;
    let target = action();
    let forged = send_forged(
        &s,
        &key,
        Forged {
            method: Method::POST,
            target: &target,
            signed: sdk_headers(),
            unsigned: vec![("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD".into())],
            signed_body: b"",
            sent_body: Some(STOP),
            payload_line: Some("UNSIGNED-PAYLOAD"),
        },
    )
    .await;
    assert_refused(&forged);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(s.sim_log().is_empty(), "nothing was performed");
    // Signed, as the SDK does it, UNSIGNED-PAYLOAD is honoured (with or without a body).
    let mut headers = sdk_headers();
    headers.push(("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD".into()));
    let list = format!("/v1/{PROJECT}/flows");
    for (method, target, body) in [
        (Method::GET, list.as_str(), &b""[..]),
        (Method::POST, target.as_str(), REBOOT),
    ] {
        let r = send_forged(
            &s,
            &key,
            Forged {
                method,
                target,
                signed: headers.clone(),
                unsigned: vec![],
                signed_body: body,
                sent_body: None,
                payload_line: Some("UNSIGNED-PAYLOAD"),
            },
        )
        .await;
        assert!(r.status.is_success(), "{target}: {}", r.body);
    }
}

#[tokio::test]
async fn x_project_id_must_be_signed() {
    let s = TestServer::start(|_| {}).await;
    let key = admin_key(&s).await;
    let mut headers = sdk_headers();
    headers.retain(|(k, _)| *k != "X-Project-Id");
    let target = format!("/v1/{PROJECT}/flows");
    let r = send_forged(
        &s,
        &key,
        Forged {
            method: Method::GET,
            target: &target,
            signed: headers,
            unsigned: vec![("X-Project-Id", PROJECT.into())],
            signed_body: b"",
            sent_body: None,
            payload_line: None,
        },
    )
    .await;
    assert_refused(&r);
    assert!(
        r.body["error_msg"]
            .as_str()
            .unwrap()
            .contains("X-Project-Id"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn unknown_and_known_access_keys_get_the_same_answer() {
    let s = TestServer::start(|_| {}).await;
    let key = admin_key(&s).await;
    let target = format!("/v1/{PROJECT}/flows");
    let attempt = |k: Key| {
        let target = target.clone();
        let s = &s;
        async move {
            send_forged(
                s,
                &k,
                Forged {
                    method: Method::GET,
                    target: &target,
                    signed: sdk_headers(),
                    unsigned: vec![],
                    signed_body: b"",
                    sent_body: None,
                    payload_line: None,
                },
            )
            .await
        }
    };
    let wrong_secret = attempt(Key {
        ak: key.ak.clone(),
        sk: "wrong".into(),
    })
    .await;
    let unknown = attempt(Key {
        ak: "AKNOTEXISTING0000000".into(),
        sk: "wrong".into(),
    })
    .await;
    assert_refused(&wrong_secret);
    assert_refused(&unknown);
    assert_eq!(wrong_secret.body["error_msg"], unknown.body["error_msg"]);
    assert!(!unknown.body.to_string().contains("AKNOTEXISTING"));
}

/// Sends `head` and then `body` on a raw connection (the body from a task, so that an early
/// answer is read while it is still being sent); the status and body of the answer, or `None`
/// if none came within `wait`.
async fn exchange(
    s: &TestServer,
    head: String,
    body: Vec<u8>,
    wait: Duration,
) -> Option<(u16, String)> {
    let addr = s.base.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    wr.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&body).await;
        // Keep the connection open: a server that waits for the rest of the body waits.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = rd.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            let Some((head, rest)) = text.split_once("\r\n\r\n") else {
                continue;
            };
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if rest.len() >= length {
                let status = head.split(' ').nth(1)?.parse().ok()?;
                return Some((status, rest.to_string()));
            }
        }
    };
    let answer = tokio::time::timeout(wait, read).await.ok().flatten();
    writer.abort();
    answer
}

fn head(s: &TestServer, ak: &str, target: &str, framing: &str) -> String {
    format!(
        "POST {target} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         X-Project-Id: {PROJECT}\r\nX-Sdk-Date: {}\r\n\
         Authorization: SDK-HMAC-SHA256 Access={ak}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature={}\r\n\
         {framing}\r\n",
        s.base.trim_start_matches("http://"),
        now_date(),
        "0".repeat(64)
    )
}

#[tokio::test]
async fn bodies_are_read_only_for_a_known_key_and_never_beyond_the_limit() {
    let s = TestServer::start(|c| c.api.max_body_bytes = 64 * 1024).await;
    let key = admin_key(&s).await;
    let target = action();
    let wait = Duration::from_secs(5);
    // 12 MB announced with an unknown key: answered at once, before (and without) the body.
    for framing in [
        format!("Content-Length: {}\r\n", 12 * 1024 * 1024),
        "Transfer-Encoding: chunked\r\n".to_string(),
    ] {
        let started = std::time::Instant::now();
        let answer = exchange(
            &s,
            head(&s, "AKNOTEXISTING0000000", &target, &framing),
            vec![b'x'; 1024],
            wait,
        )
        .await;
        let (status, body) = answer.unwrap_or_else(|| panic!("no answer with {framing}"));
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("APIGW.0301"), "{body}");
        println!("unknown key, {framing:?}: 401 in {:?}", started.elapsed());
    }
    // A known key, a body announced over api.max_body_bytes: 413 without reading it.
    let (status, body) = exchange(
        &s,
        head(&s, &key.ak, &target, "Content-Length: 65537\r\n"),
        Vec::new(),
        wait,
    )
    .await
    .expect("an answer before the body");
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("APIGW.0201"), "{body}");
    // The same, chunked: reading stops at the limit.
    let mut chunked = Vec::new();
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n", 4096).as_bytes());
        chunked.extend_from_slice(&[b' '; 4096]);
        chunked.extend_from_slice(b"\r\n");
    }
    let (status, body) = exchange(
        &s,
        head(&s, &key.ak, &target, "Transfer-Encoding: chunked\r\n"),
        chunked,
        wait,
    )
    .await
    .expect("an answer at the limit");
    assert_eq!(status, 413, "{body}");
    assert!(s.sim_log().is_empty(), "nothing was performed");
}

#[tokio::test]
async fn a_percent_escape_cut_by_a_multibyte_character_answers_401() {
    let s = TestServer::start(|_| {}).await;
    let key = admin_key(&s).await;
    // `%` + one hex digit + `é` (two bytes) in the path and in the query.
    for target in [
        format!("/v1/{PROJECT}/flows/%4\u{e9}x"),
        format!("/v1/{PROJECT}/flows?a=%4\u{e9}&b=%\u{e9}"),
    ] {
        let answer = exchange(
            &s,
            head(&s, &key.ak, &target, "Content-Length: 0\r\n"),
            Vec::new(),
            Duration::from_secs(5),
        )
        .await;
        let (status, body) = answer.unwrap_or_else(|| panic!("{target}: the connection dropped"));
        assert_eq!(status, 401, "{target}: {body}");
        assert!(body.contains("verify aksk signature fail"), "{body}");
    }
    // The server is still there.
    assert_eq!(s.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_access_key_that_cannot_be_one_is_refused_before_it_is_looked_up_or_remembered() {
    let s = TestServer::start(|_| {}).await;
    // (A non-ASCII one is no `SDK-HMAC-SHA256` header at all and meets the token check.)
    for ak in ["A".repeat(100_000), "AK WITH SPACES".into()] {
        let r = s
            .client
            .get(format!("{}/v2.1/{PROJECT}/servers", s.base))
            .header(
                "Authorization",
                format!("SDK-HMAC-SHA256 Access={ak}, SignedHeaders=x-sdk-date, Signature=00"),
            )
            .header("X-Sdk-Date", now_date())
            .send()
            .await
            .unwrap();
        let r = common::reply(r).await;
        assert_refused(&r);
        assert_eq!(
            r.body["error_msg"],
            "Incorrect IAM authentication information: verify aksk signature fail"
        );
    }
}
