//! `GET /switchboard/v1/events`: Server-Sent Events, one JSON object per event.

use crate::{Client, Error, Result};
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use reqwest::Method;
use serde_json::Value;

/// One event of the stream.
#[derive(Debug, Clone)]
pub struct Event {
    /// The durable sequence number (`id:`), to resume with `after`.
    pub seq: Option<i64>,
    /// `task.created`, `step.started`, `step.finished`, `task.progress`, `task.finished`,
    /// `resource.state`, `gap`, …
    pub kind: String,
    pub data: Value,
}

impl Client {
    /// Subscribes to the events of the caller's project (of one task when `task` is set),
    /// resuming after `after`. `Ok(None)` when the server has no event stream (404/405/501).
    pub async fn events(
        &self,
        task: Option<i64>,
        after: Option<i64>,
    ) -> Result<Option<impl Stream<Item = Result<Event>>>> {
        let q = crate::reads::query(&[
            ("task", task.map(|t| t.to_string())),
            ("after", after.map(|a| a.to_string())),
        ]);
        let path = format!("/switchboard/v1/events{q}");
        let req = self
            .http()
            .get(format!("{}{path}", self.base()))
            .header("Accept", "text/event-stream");
        let resp = self
            .authenticate(req, &Method::GET, &path, b"")
            .send()
            .await
            .map_err(|e| Error::from_reqwest(self.base(), e))?;
        if matches!(resp.status().as_u16(), 404 | 405 | 501) {
            return Ok(None);
        }
        if !resp.status().is_success() {
            crate::request::read_reply(self.base(), resp).await?;
            return Ok(None);
        }
        let base = self.base().to_string();
        Ok(Some(resp.bytes_stream().eventsource().map(move |item| {
            let e = item.map_err(|e| Error::Unreachable {
                url: base.clone(),
                reason: format!("event stream: {e}"),
            })?;
            Ok(Event {
                seq: e.id.parse().ok(),
                kind: e.event,
                data: serde_json::from_str(&e.data).unwrap_or(Value::String(e.data)),
            })
        })))
    }
}
