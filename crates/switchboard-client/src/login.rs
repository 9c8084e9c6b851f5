//! Getting a credential: Keystone v3 password login, and AK/SK request signing.

use crate::request::{http_client, read_reply};
use crate::{Error, Result};
use serde_json::{json, Value};
use switchboard_identity::signing::{self, ReceivedRequest};

/// What a password login names. `project` is an id (32 hex characters) or a name in `domain`;
/// without it the user's default project, else the only (or first) project it may use.
#[derive(Clone)]
pub struct Login<'a> {
    pub url: &'a str,
    pub user: &'a str,
    pub password: &'a str,
    pub domain: &'a str,
    pub project: Option<&'a str>,
}

/// A token and where it acts.
#[derive(Clone)]
pub struct Session {
    pub token: String,
    pub project_id: String,
    pub project_name: String,
    pub user_id: String,
    pub expires_at: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("project_id", &self.project_id)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn is_project_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Logs in with a password (`POST /v3/auth/tokens`), project scoped.
pub async fn login(l: &Login<'_>) -> Result<Session> {
    let scope = match l.project {
        Some(p) if is_project_id(p) => json!({"project": {"id": p}}),
        Some(p) => json!({"project": {"name": p, "domain": {"name": l.domain}}}),
        None => Value::Null,
    };
    let first = issue(l, scope.clone()).await?;
    if !scope.is_null() || !first.project_id.is_empty() {
        return Ok(first);
    }
    // Unscoped: scope to a project the user may use.
    let base = l.url.trim_end_matches('/');
    let projects = http_client()
        .get(format!("{base}/v3/auth/projects"))
        .header("X-Auth-Token", &first.token)
        .send()
        .await
        .map_err(|e| Error::from_reqwest(base, e))?;
    let projects = read_reply(base, projects).await?.body;
    let id = projects["projects"][0]["id"]
        .as_str()
        .ok_or_else(|| Error::Protocol(format!("user {} has no project", l.user)))?;
    issue(l, json!({"project": {"id": id}})).await
}

/// What an existing token is (`GET /v3/auth/tokens`): its project, user and expiry.
pub async fn inspect(url: &str, token: &str) -> Result<Session> {
    let base = url.trim_end_matches('/');
    let resp = http_client()
        .get(format!("{base}/v3/auth/tokens"))
        .header("X-Auth-Token", token)
        .header("X-Subject-Token", token)
        .send()
        .await
        .map_err(|e| Error::from_reqwest(base, e))?;
    let reply = read_reply(base, resp).await?;
    Ok(session(token.to_string(), &reply.body["token"]))
}

/// Revokes a token (`DELETE /v3/auth/tokens`).
pub async fn revoke(url: &str, token: &str) -> Result<()> {
    let base = url.trim_end_matches('/');
    let resp = http_client()
        .delete(format!("{base}/v3/auth/tokens"))
        .header("X-Auth-Token", token)
        .header("X-Subject-Token", token)
        .send()
        .await
        .map_err(|e| Error::from_reqwest(base, e))?;
    read_reply(base, resp).await.map(drop)
}

fn session(token: String, t: &Value) -> Session {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Session {
        token,
        project_id: text(&t["project"]["id"]),
        project_name: text(&t["project"]["name"]),
        user_id: text(&t["user"]["id"]),
        expires_at: text(&t["expires_at"]),
    }
}

async fn issue(l: &Login<'_>, scope: Value) -> Result<Session> {
    let base = l.url.trim_end_matches('/');
    let mut auth = json!({"identity": {"methods": ["password"], "password": {"user":
        {"name": l.user, "password": l.password, "domain": {"name": l.domain}}}}});
    if !scope.is_null() {
        auth["scope"] = scope;
    }
    let resp = http_client()
        .post(format!("{base}/v3/auth/tokens"))
        .json(&json!({ "auth": auth }))
        .send()
        .await
        .map_err(|e| Error::from_reqwest(base, e))?;
    let reply = read_reply(base, resp).await?;
    let token = reply
        .header("x-subject-token")
        .ok_or_else(|| Error::Protocol("no X-Subject-Token in the login answer".into()))?
        .to_string();
    Ok(session(token, &reply.body["token"]))
}

/// The headers that sign `method host target` with an access key pair as the Huawei Cloud SDK
/// does (`SDK-HMAC-SHA256` over `Host`, `X-Sdk-Date` and, when given, `X-Project-Id`: the
/// server refuses an unsigned project header).
pub(crate) fn sign(
    access: &str,
    secret: &str,
    method: &str,
    host: &str,
    target: &str,
    body: &[u8],
    project: Option<&str>,
) -> Vec<(&'static str, String)> {
    let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut headers = vec![
        ("host".to_string(), host.to_string()),
        ("x-sdk-date".to_string(), date.clone()),
    ];
    if let Some(p) = project {
        headers.push(("x-project-id".to_string(), p.to_string()));
    }
    let names: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
    let (path, query) = target
        .split_once('?')
        .map_or((target, None), |(p, q)| (p, Some(q)));
    let req = ReceivedRequest {
        method,
        path,
        query,
        headers: &headers,
        body,
    };
    let canonical = signing::canonical_request(&req, &names);
    let sig = signing::signature(secret, &signing::string_to_sign(&date, &canonical));
    let mut out = vec![
        ("X-Sdk-Date", date),
        (
            "Authorization",
            format!(
                "SDK-HMAC-SHA256 Access={access}, SignedHeaders={}, Signature={sig}",
                names.join(";")
            ),
        ),
    ];
    if let Some(p) = project {
        out.push(("X-Project-Id", p.to_string()));
    }
    out
}
