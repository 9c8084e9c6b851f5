//! `GET /switchboard/v1/events`: the caller's project's events as Server-Sent Events.
//!
//! A stream subscribes to the store's live events first, then reads what it must replay from
//! the table, and from then on skips every event at or below the last one it sent: nothing
//! committed is missed between replay and live, and nothing is sent twice. A stream that falls
//! behind the live channel reads the missed events back from the table; one that asks for
//! events already pruned is told so with a `gap` event first.

use super::NativeError;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use switchboard_store::{Event, EventFilter, Store};
use tokio::sync::{broadcast, watch, OwnedSemaphorePermit, Semaphore};

/// Events read from the table at a time.
const PAGE: i64 = 256;

/// What every event stream of the server shares: the cap on subscribers, the keep-alive, and
/// the signal that the server is shutting down (streams never end on their own, and a graceful
/// shutdown waits for every response to end).
pub struct EventStreams {
    subscribers: Arc<Semaphore>,
    keep_alive: Duration,
    closing: watch::Sender<bool>,
}

impl EventStreams {
    /// At most `max_subscribers` streams at once, each sending a comment every `keep_alive`.
    pub fn new(max_subscribers: usize, keep_alive: Duration) -> Self {
        EventStreams {
            subscribers: Arc::new(Semaphore::new(max_subscribers)),
            keep_alive,
            closing: watch::channel(false).0,
        }
    }

    /// Ends every stream (the server is shutting down) and refuses new ones.
    pub fn close(&self) {
        self.closing.send_replace(true);
        self.subscribers.close();
    }
}

#[utoipa::path(
    get,
    path = "/switchboard/v1/events",
    tag = "Switchboard",
    params(
        ("after" = Option<i64>, Query, description = "Replay the events after this sequence number"),
        ("task" = Option<i64>, Query, description = "Only this task's events"),
        ("Last-Event-ID" = Option<i64>, Header, description = "Replay after this sequence number (wins over `after`)"),
    ),
    responses(
        (status = 200, description = "Server-Sent Events: `id:` the sequence number, `event:` the type, `data:` one JSON object (`resource.state` carries the resource's `family` and `status`, its family's word for the state)", content_type = "text/event-stream", body = String),
        crate::openapi::NativeStream,
    )
)]
pub async fn stream_events(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, NativeError> {
    NativeError::permit(&who, "switchboard:event:list")?;
    let header = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let after = match header.or(q.get("after").map(String::as_str)) {
        Some(raw) => Some(sequence(raw)?),
        None => None,
    };
    let task_id = match q.get("task") {
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            NativeError::bad_request(format!("task must be an integer, not {raw:?}"))
        })?),
        None => None,
    };
    let streams = state.events.clone();
    let permit = streams
        .subscribers
        .clone()
        .try_acquire_owned()
        .map_err(|_| NativeError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "too_many_subscribers",
            message: "too many event streams are open on this server; retry later".into(),
        })?;
    // Subscribed before anything is read: every event after `last` reaches the receiver.
    let live = state.store.subscribe_events();
    let last = state.store.last_event_seq();
    let follower = Follower {
        store: state.store.clone(),
        live,
        closing: streams.closing.subscribe(),
        filter: EventFilter {
            // An unscoped token sees nothing, as in the task list.
            project_id: who.project_id.clone().unwrap_or_default(),
            task_id,
        },
        // An id from the future (another data dir) resumes from now.
        cursor: after.map_or(last, |a| a.min(last)),
        replay: after.is_some(),
        queue: VecDeque::new(),
        _permit: permit,
    };
    let stream = futures::stream::unfold(follower, Follower::next);
    let keep_alive = KeepAlive::new()
        .interval(streams.keep_alive)
        .text("keep-alive");
    Ok(Sse::new(stream).keep_alive(keep_alive))
}

/// A sequence number a client resumes after.
fn sequence(raw: &str) -> Result<i64, NativeError> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(NativeError::bad_request(format!(
            "after (Last-Event-ID) must be a non-negative integer event id, not {raw:?}"
        ))),
    }
}

enum Item {
    Event(Arc<Event>),
    /// Events up to this seq are no longer kept.
    Gap(i64),
}

struct Follower {
    store: Arc<dyn Store>,
    live: broadcast::Receiver<Arc<Event>>,
    closing: watch::Receiver<bool>,
    filter: EventFilter,
    /// Every event at or below it has been sent or is not for this stream.
    cursor: i64,
    /// The table holds events for this stream that the live channel no longer does.
    replay: bool,
    queue: VecDeque<Item>,
    _permit: OwnedSemaphorePermit,
}

impl Follower {
    async fn next(mut self) -> Option<(Result<SseEvent, Infallible>, Self)> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            if let Some(item) = self.queue.pop_front() {
                let event = match item {
                    Item::Event(e) => {
                        self.cursor = e.seq;
                        sse(&e)
                    }
                    Item::Gap(seq) => SseEvent::default()
                        .id(seq.to_string())
                        .event("gap")
                        .data(format!("{{\"seq\":{seq}}}")),
                };
                return Some((Ok(event), self));
            }
            if self.replay {
                if let Err(err) = self.read_back().await {
                    // The client reconnects with its last id and misses nothing.
                    tracing::warn!(%err, "reading events back failed; ending the stream");
                    return None;
                }
                continue;
            }
            let received = tokio::select! {
                r = self.live.recv() => r,
                _ = self.closing.changed() => return None,
            };
            match received {
                Ok(e) if e.seq > self.cursor && self.wants(&e) => {
                    self.cursor = e.seq;
                    return Some((Ok(sse(&e)), self));
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => self.replay = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    fn wants(&self, e: &Event) -> bool {
        e.project_id == self.filter.project_id
            && self.filter.task_id.is_none_or(|t| e.task_id == Some(t))
    }

    /// The next page of retained events after the cursor, preceded by a gap when some of
    /// them were pruned.
    async fn read_back(&mut self) -> switchboard_store::StoreResult<()> {
        if let Some(oldest) = self.store.oldest_event_seq().await? {
            if oldest > self.cursor + 1 {
                self.cursor = oldest - 1;
                self.queue.push_back(Item::Gap(self.cursor));
            }
        }
        let page = self
            .store
            .events_after(&self.filter, self.cursor, PAGE)
            .await?;
        // A full page may have more behind it: read on once it has been sent.
        self.replay = page.len() as i64 == PAGE;
        self.queue
            .extend(page.into_iter().map(|e| Item::Event(Arc::new(e))));
        Ok(())
    }
}

fn sse(e: &Event) -> SseEvent {
    SseEvent::default()
        .id(e.seq.to_string())
        .event(&e.kind)
        .data(&e.data)
}
