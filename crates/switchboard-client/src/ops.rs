//! Lifecycle actions through the family APIs, and which task each one started.
//!
//! MRS answers with its command id and BMS v1 with a job id: both are the task's id. Nova,
//! DBSS and Live answer in their own shape without one; their `X-Request-Id` is the task's
//! `request_id`, which `GET /switchboard/v1/tasks?request_id=` finds.

use crate::{Client, Error, Reply, Result};
use reqwest::Method;
use serde_json::{json, Value};

/// What an action answered, and the task it started when the answer says.
#[derive(Debug, Clone)]
pub struct Started {
    pub task_id: Option<i64>,
    pub request_id: Option<String>,
    /// The family's answer, as sent.
    pub body: Value,
}

impl Started {
    fn from_reply(reply: Reply, task_id: Option<i64>) -> Started {
        Started {
            task_id,
            request_id: reply.header("x-request-id").map(str::to_string),
            body: reply.body,
        }
    }
}

/// `start`, `stop`, `reboot` as each family spells it.
fn check(action: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&action) {
        Ok(())
    } else {
        Err(Error::Protocol(format!(
            "unknown action {action:?} (expected one of {})",
            allowed.join(", ")
        )))
    }
}

impl Client {
    /// MRS: `start|stop|restart` a cluster service; `with_deps` is `only_self: false`.
    pub async fn service_action(
        &self,
        cluster: &str,
        service: &str,
        action: &str,
        with_deps: bool,
    ) -> Result<Started> {
        check(action, &["start", "stop", "restart"])?;
        let path = format!("/web/v1/maintain/cluster/{cluster}/service/{service}/{action}");
        let body = json!({"only_self": !with_deps});
        let reply = self.send(Method::POST, &path, Some(&body)).await?;
        let id = reply.body["id"].as_i64();
        Ok(Started::from_reply(reply, id))
    }

    /// Nova: `start|stop|reboot` a server (`soft` for a SOFT reboot).
    pub async fn server_action(&self, id: &str, action: &str, soft: bool) -> Result<Started> {
        check(action, &["start", "stop", "reboot"])?;
        let body = match action {
            "start" => json!({"os-start": null}),
            "stop" => json!({"os-stop": null}),
            _ => json!({"reboot": {"type": if soft { "SOFT" } else { "HARD" }}}),
        };
        let path = format!("/v2.1/{}/servers/{id}/action", self.project_id());
        let reply = self.send(Method::POST, &path, Some(&body)).await?;
        Ok(Started::from_reply(reply, None))
    }

    /// DBSS: `start|stop|reboot` a database O&M instance.
    pub async fn instance_action(&self, id: &str, action: &str) -> Result<Started> {
        check(action, &["start", "stop", "reboot"])?;
        let path = format!("/v1/{}/db-om/{id}/{action}", self.project_id());
        let reply = self.send(Method::POST, &path, None).await?;
        Ok(Started::from_reply(reply, None))
    }

    /// Live: `start|stop` a flow (the answer comes once it settled or `api.live_wait` passed).
    pub async fn flow_action(&self, id: &str, action: &str) -> Result<Started> {
        check(action, &["start", "stop"])?;
        let path = format!("/v1/{}/flows/{action}?flow_id={id}", self.project_id());
        let reply = self.send(Method::PUT, &path, None).await?;
        Ok(Started::from_reply(reply, None))
    }

    /// BMS v1: `start|stop|reboot` servers as one batch job.
    pub async fn batch_action(&self, ids: &[String], action: &str, soft: bool) -> Result<Started> {
        check(action, &["start", "stop", "reboot"])?;
        let servers: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        let kind = if soft { "SOFT" } else { "HARD" };
        let body = match action {
            "start" => json!({"os-start": {"servers": servers}}),
            "stop" => json!({"os-stop": {"type": kind, "servers": servers}}),
            _ => json!({"reboot": {"type": kind, "servers": servers}}),
        };
        let path = format!("/v1/{}/baremetalservers/action", self.project_id());
        let reply = self.send(Method::POST, &path, Some(&body)).await?;
        let job = reply.body["job_id"].as_str().and_then(|j| j.parse().ok());
        Ok(Started::from_reply(reply, job))
    }

    /// The task `started` refers to: its own id, else the task with its request id; `None`
    /// when the action needed no task (a start of something running).
    pub async fn task_of(&self, started: &Started) -> Result<Option<i64>> {
        if let Some(id) = started.task_id {
            return Ok(Some(id));
        }
        let Some(request_id) = &started.request_id else {
            return Ok(None);
        };
        let list = self
            .get(&format!("/switchboard/v1/tasks?request_id={request_id}"))
            .await?;
        Ok(list["tasks"][0]["id"].as_i64())
    }
}
