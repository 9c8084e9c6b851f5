//! Native reads and small changes: tasks, resources, audit, users, policies, IAM keys.

use crate::{Client, Result};
use reqwest::Method;
use serde_json::{json, Value};

/// Query text from pairs whose value is set (values percent-encoded).
pub fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref().map(|v| {
                format!(
                    "{k}={}",
                    switchboard_identity::signing::encode(v.as_bytes())
                )
            })
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

impl Client {
    /// `GET /switchboard/v1/tasks/{id}`: the task with its steps.
    pub async fn task(&self, id: i64) -> Result<Value> {
        self.get(&format!("/switchboard/v1/tasks/{id}")).await
    }

    /// `GET /switchboard/v1/tasks`, newest first, optionally in one state.
    pub async fn tasks(&self, state: Option<&str>, limit: Option<u32>) -> Result<Value> {
        let q = query(&[
            ("state", state.map(str::to_string)),
            ("limit", limit.map(|l| l.to_string())),
        ]);
        self.get(&format!("/switchboard/v1/tasks{q}")).await
    }

    /// `POST /switchboard/v1/tasks/{id}/cancel`: the task as cancelled.
    pub async fn cancel(&self, id: i64) -> Result<Value> {
        let path = format!("/switchboard/v1/tasks/{id}/cancel");
        Ok(self.send(Method::POST, &path, None).await?.body)
    }

    /// MRS clusters (`GET /web/v1/clusters`): `res_obj.clusters[]`.
    pub async fn clusters(&self) -> Result<Value> {
        self.get("/web/v1/clusters").await
    }

    /// `GET /switchboard/v1/resources`, every page (following `next_marker`) in one
    /// `{"resources": [...]}`.
    pub async fn resources(&self) -> Result<Value> {
        let mut all: Vec<Value> = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let q = query(&[("limit", Some("1000".into())), ("marker", marker.take())]);
            let mut page = self.get(&format!("/switchboard/v1/resources{q}")).await?;
            if let Some(Value::Array(items)) = page.get_mut("resources").map(Value::take) {
                all.extend(items);
            }
            match page.get("next_marker").and_then(Value::as_str) {
                Some(next) => marker = Some(next.to_string()),
                None => return Ok(json!({ "resources": all })),
            }
        }
    }

    /// `GET /switchboard/v1/audit`, newest first, filtered by the server.
    pub async fn audit(&self, filter: &AuditQuery) -> Result<Value> {
        let q = query(&[
            ("limit", filter.limit.map(|l| l.to_string())),
            ("principal", filter.principal.clone()),
            ("action", filter.action.clone()),
            ("target", filter.target.clone()),
            ("outcome", filter.outcome.clone()),
            ("since", filter.since_ms.map(|t| t.to_string())),
            ("until", filter.until_ms.map(|t| t.to_string())),
        ]);
        self.get(&format!("/switchboard/v1/audit{q}")).await
    }

    /// `GET /switchboard/v1/users`.
    pub async fn users(&self) -> Result<Value> {
        self.get("/switchboard/v1/users").await
    }

    /// `POST /switchboard/v1/users` with the body as the API takes it.
    pub async fn create_user(&self, body: &Value) -> Result<Value> {
        let path = "/switchboard/v1/users";
        Ok(self.send(Method::POST, path, Some(body)).await?.body)
    }

    /// `DELETE /switchboard/v1/users/{id}`.
    pub async fn delete_user(&self, id: &str) -> Result<Value> {
        let path = format!("/switchboard/v1/users/{id}");
        Ok(self.send(Method::DELETE, &path, None).await?.body)
    }

    /// `GET /switchboard/v1/policies`.
    pub async fn policies(&self) -> Result<Value> {
        self.get("/switchboard/v1/policies").await
    }

    /// `PUT /switchboard/v1/policies/{name}` with `{"document": …}`.
    pub async fn put_policy(&self, name: &str, document: &Value) -> Result<Value> {
        let path = format!("/switchboard/v1/policies/{name}");
        let body = json!({ "document": document });
        Ok(self.send(Method::PUT, &path, Some(&body)).await?.body)
    }

    /// `DELETE /switchboard/v1/policies/{name}`.
    pub async fn delete_policy(&self, name: &str) -> Result<Value> {
        let path = format!("/switchboard/v1/policies/{name}");
        Ok(self.send(Method::DELETE, &path, None).await?.body)
    }

    /// IAM: a new access key pair for `user_id` (the secret is shown this once).
    pub async fn create_key(&self, user_id: &str, description: Option<&str>) -> Result<Value> {
        let mut body = json!({"credential": {"user_id": user_id}});
        if let Some(d) = description {
            body["credential"]["description"] = json!(d);
        }
        let path = "/v3.0/OS-CREDENTIAL/credentials";
        Ok(self.send(Method::POST, path, Some(&body)).await?.body)
    }

    /// IAM: the access keys of `user_id` (the caller's own when `None`).
    pub async fn keys(&self, user_id: Option<&str>) -> Result<Value> {
        let q = query(&[("user_id", user_id.map(str::to_string))]);
        self.get(&format!("/v3.0/OS-CREDENTIAL/credentials{q}"))
            .await
    }

    /// IAM: deletes an access key.
    pub async fn delete_key(&self, access_key: &str) -> Result<Value> {
        let path = format!("/v3.0/OS-CREDENTIAL/credentials/{access_key}");
        Ok(self.send(Method::DELETE, &path, None).await?.body)
    }
}

/// Filters of `GET /switchboard/v1/audit`; `None` filters nothing.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub limit: Option<u32>,
    /// Exactly as recorded (`admin@<domain id>`).
    pub principal: Option<String>,
    /// Exact, or a prefix ending with `*`.
    pub action: Option<String>,
    pub target: Option<String>,
    /// Exact, or a prefix ending with `*`.
    pub outcome: Option<String>,
    /// Records at or after this time, in milliseconds since the epoch.
    pub since_ms: Option<i64>,
    /// Records at or before this time, in milliseconds since the epoch.
    pub until_ms: Option<i64>,
}
