//! Signing requests the way the official SDK does, for AK/SK tests.

use super::{Reply, TestServer};
use reqwest::Method;
use switchboard_identity::signing::{self, ReceivedRequest};

/// A request signed and sent part by part, for tests that forge or replay one.
pub struct Forged<'a> {
    pub method: Method,
    pub target: &'a str,
    /// Headers covered by the signature, besides `Host`.
    pub signed: Vec<(&'a str, String)>,
    /// Headers sent but left out of the signature.
    pub unsigned: Vec<(&'a str, String)>,
    /// The body the signature was computed over.
    pub signed_body: &'a [u8],
    /// The body actually sent (a replay with another body), else `signed_body`.
    pub sent_body: Option<&'a [u8]>,
    /// What the signer put on the payload line instead of the body's SHA-256.
    pub payload_line: Option<&'a str>,
}

/// Signs `f` with `key` (its payload line as the forger chose) and sends it.
pub async fn send_forged(s: &TestServer, key: &Key, f: Forged<'_>) -> Reply {
    let host = s.base.trim_start_matches("http://").to_string();
    let mut headers: Vec<(String, String)> = f
        .signed
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    headers.push(("Host".into(), host));
    let mut names: Vec<String> = headers.iter().map(|(k, _)| k.to_lowercase()).collect();
    names.sort();
    let (path, query) = f
        .target
        .split_once('?')
        .map_or((f.target, None), |(p, q)| (p, Some(q)));
    let date = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-sdk-date"))
        .map(|(_, v)| v.clone())
        .expect("an X-Sdk-Date to sign");
    let req = ReceivedRequest {
        method: f.method.as_str(),
        path,
        query,
        headers: &headers,
        body: f.signed_body,
    };
    let mut canonical = signing::canonical_request(&req, &names);
    if let Some(line) = f.payload_line {
        let cut = canonical.rfind('\n').unwrap() + 1;
        canonical.replace_range(cut.., line);
    }
    let sig = signing::signature(&key.sk, &signing::string_to_sign(&date, &canonical));
    let auth = format!(
        "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={sig}",
        key.ak,
        names.join(";")
    );
    let mut builder = s
        .client
        .request(f.method, format!("{}{}", s.base, f.target))
        .header("Authorization", auth);
    for (k, v) in headers.iter().filter(|(k, _)| k != "Host") {
        builder = builder.header(k, v);
    }
    for (k, v) in &f.unsigned {
        builder = builder.header(*k, v);
    }
    let body = f.sent_body.unwrap_or(f.signed_body).to_vec();
    let resp = builder.body(body).send().await.unwrap();
    super::reply(resp).await
}

/// A new access key of the bootstrap admin, made through the API.
pub async fn admin_key(s: &TestServer) -> Key {
    let body = super::token_body(
        "admin",
        super::PASSWORD,
        serde_json::json!({"project": {"id": super::PROJECT}}),
    );
    let t = s
        .call(Method::POST, "/v3/auth/tokens", None, Some(body))
        .await;
    let user_id = t.body["token"]["user"]["id"].as_str().unwrap().to_string();
    let r = s
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(&s.token),
            Some(serde_json::json!({"credential": {"user_id": user_id, "description": "ci"}})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let c = &r.body["credential"];
    Key {
        ak: c["access"].as_str().unwrap().into(),
        sk: c["secret"].as_str().unwrap().into(),
    }
}

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
    super::reply(resp).await
}
