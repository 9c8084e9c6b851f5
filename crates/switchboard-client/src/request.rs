//! One server, one credential: sending a request and sorting its answer.

use crate::{envelope_message, Error, Result};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// How requests are authenticated.
#[derive(Clone)]
pub enum Credential {
    /// A Keystone token (`X-Auth-Token`).
    Token(String),
    /// An IAM access key pair; requests are signed as the Huawei Cloud SDK signs them.
    AkSk { access: String, secret: String },
}

impl fmt::Debug for Credential {
    // Secrets never reach Debug output (and so never a log line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Token(…)"),
            Credential::AkSk { access, .. } => write!(f, "AkSk({access}, …)"),
        }
    }
}

/// A client of one server, acting in one project.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    credential: Credential,
    project_id: String,
}

/// A successful answer: status, headers and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Client {
    /// A client of the server at `base` (`http://host:port`) in project `project_id`.
    pub fn new(base: &str, credential: Credential, project_id: &str) -> Client {
        Client {
            http: http_client(),
            base: base.trim_end_matches('/').to_string(),
            credential,
            project_id: project_id.to_string(),
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The project every family path is built with.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET path` (with its query), the JSON answer.
    pub async fn get(&self, path: &str) -> Result<Value> {
        Ok(self.send(Method::GET, path, None).await?.body)
    }

    /// Sends `method path` with an optional JSON body; 2xx is `Ok`, anything else an [`Error`].
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let url = format!("{}{path}", self.base);
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut req = self.http.request(method.clone(), &url);
        if body.is_some() {
            req = req.header("Content-Type", "application/json");
        }
        req = self.authenticate(req, &method, path, &bytes);
        let resp = req
            .body(bytes)
            .send()
            .await
            .map_err(|e| Error::from_reqwest(&self.base, e))?;
        read_reply(&self.base, resp).await
    }

    /// Adds the credential to a request for `path`.
    pub(crate) fn authenticate(
        &self,
        req: reqwest::RequestBuilder,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> reqwest::RequestBuilder {
        match &self.credential {
            Credential::Token(token) => req.header("X-Auth-Token", token),
            Credential::AkSk { access, secret } => {
                let host = self.base.split("://").nth(1).unwrap_or(&self.base);
                let project = Some(self.project_id.as_str()).filter(|p| !p.is_empty());
                crate::login::sign(access, secret, method.as_str(), host, path, body, project)
                    .into_iter()
                    .fold(req, |req, (name, value)| req.header(name, value))
            }
        }
    }
}

/// The HTTP client every call shares: bounded connect time, no proxy from the environment
/// surprises on loopback.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default()
}

/// Sorts an answer into a [`Reply`] or the [`Error`] its status means.
pub(crate) async fn read_reply(base: &str, resp: reqwest::Response) -> Result<Reply> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp
        .text()
        .await
        .map_err(|e| Error::from_reqwest(base, e))?;
    let body: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    let message = || envelope_message(&body).unwrap_or_else(|| body.to_string());
    match status {
        200..=299 => Ok(Reply {
            status,
            headers,
            body,
        }),
        400..=499 => Err(Error::Refused {
            status,
            message: message(),
            body,
        }),
        _ => Err(Error::Server {
            status,
            message: message(),
        }),
    }
}
