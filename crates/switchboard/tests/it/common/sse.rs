//! Reading `GET /switchboard/v1/events` as a client does: eventsource-stream over reqwest.

use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use serde_json::Value;
use std::pin::Pin;
use std::time::Duration;

/// One event as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

type Inner = Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, String>> + Send>>;

pub struct Events {
    inner: Inner,
}

/// The stream's request: `query` like `?after=3`, the token, and `Last-Event-ID` when given.
pub async fn request(
    base: &str,
    token: Option<&str>,
    query: &str,
    last_id: Option<&str>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{base}/switchboard/v1/events{query}"));
    if let Some(t) = token {
        req = req.header("X-Auth-Token", t);
    }
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    req.send().await.unwrap()
}

impl Events {
    /// Opens a stream; once this returns the server has subscribed (the head is sent after).
    pub async fn open(base: &str, token: &str, query: &str, last_id: Option<&str>) -> Events {
        let r = request(base, Some(token), query, last_id).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        let inner = r
            .bytes_stream()
            .eventsource()
            .map(|e| e.map_err(|e| e.to_string()));
        Events {
            inner: Box::pin(inner),
        }
    }

    /// The next event, or `None` when none comes `within` (or the stream ended).
    pub async fn next(&mut self, within: Duration) -> Option<Received> {
        let e = tokio::time::timeout(within, self.inner.next())
            .await
            .ok()??
            .ok()?;
        Some(Received {
            id: e.id.parse().expect("numeric event id"),
            kind: e.event,
            data: serde_json::from_str(&e.data).expect("JSON data"),
        })
    }

    /// Every event up to and including `task.finished` of `task`.
    pub async fn until_finished(&mut self, task: i64) -> Vec<Received> {
        let mut seen = Vec::new();
        loop {
            let e = self
                .next(Duration::from_secs(30))
                .await
                .unwrap_or_else(|| panic!("no task.finished for {task}; saw {seen:#?}"));
            let done = e.kind == "task.finished" && e.data["task"]["id"] == task;
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
}
