//! Signing requests the way the official SDK does, for AK/SK tests.

use super::{Reply, TestServer};
use reqwest::Method;
use serde_json::Value;
use switchboard_identity::signing::{self, ReceivedRequest};

pub struct Key {
    pub ak: String,
    pub sk: String,
}

/// Signs like the SDK: Content-Type, User-Agent, X-Project-Id, X-Sdk-Date and Host.
#[allow(clippy::too_many_arguments)] // every argument is a part of the request a test varies
pub async fn signed(
    s: &TestServer,
    key: &Key,
    method: Method,
    target: &str,
    body: &[u8],
    project: Option<&str>,
    date: &str,
    tamper: impl FnOnce(&mut Vec<u8>),
) -> Reply {
    let host = s.base.trim_start_matches("http://").to_string();
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), "application/json".into()),
        (
            "User-Agent".into(),
            "huaweicloud-usdk-python/3.0; test".into(),
        ),
    ];
    if let Some(p) = project {
        headers.push(("X-Project-Id".into(), p.into()));
    }
    headers.push(("X-Sdk-Date".into(), date.into()));
    headers.push(("Host".into(), host));
    let (path, query) = target
        .split_once('?')
        .map_or((target, None), |(p, q)| (p, Some(q)));
    let names: Vec<String> = {
        let mut n: Vec<String> = headers.iter().map(|(k, _)| k.to_lowercase()).collect();
        n.sort();
        n
    };
    let req = ReceivedRequest {
        method: method.as_str(),
        path,
        query,
        headers: &headers,
        body,
    };
    let sig = signing::signature(
        &key.sk,
        &signing::string_to_sign(date, &signing::canonical_request(&req, &names)),
    );
    let auth = format!(
        "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={sig}",
        key.ak,
        names.join(";")
    );
    let mut sent = body.to_vec();
    tamper(&mut sent);
    let mut builder = s
        .client
        .request(method, format!("{}{target}", s.base))
        .header("Authorization", auth);
    for (k, v) in headers.iter().filter(|(k, _)| k != "Host") {
        builder = builder.header(k, v);
    }
    let resp = builder.body(sent).send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let text = resp.text().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}
