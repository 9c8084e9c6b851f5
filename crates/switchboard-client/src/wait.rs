//! Following a task to its end: the event stream when the server has one, polling otherwise
//! and whenever the stream drops or goes quiet.

use crate::{Client, Result};
use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

/// How often to read the task when polling.
const POLL: Duration = Duration::from_millis(250);
/// Polls between two attempts to reopen a dropped stream.
const REPOLL: usize = 8;
/// Longer than the server's 15 s keep-alive: a stream quiet this long is dead.
const QUIET: Duration = Duration::from_secs(20);

pub use switchboard_core::TaskState;

/// The state of a task object (`"state"`), `None` when it has none known.
pub fn state_of(task: &Value) -> Option<TaskState> {
    TaskState::parse(task["state"].as_str()?)
}

/// How a wait ended: the task in its terminal state.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub state: TaskState,
    pub task: Value,
}

/// How the wait learnt about changes, for whoever shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Events,
    Polling,
}

impl Client {
    /// Follows task `id` until it ends, calling `on_update` with each new view of it (with its
    /// steps) and how it was learnt. Wrap it in a timeout to bound the wait; dropping the
    /// future detaches without touching the task.
    pub async fn wait_task(
        &self,
        id: i64,
        mut on_update: impl FnMut(&Value, Via),
    ) -> Result<Outcome> {
        let task = self.task(id).await?;
        on_update(&task, Via::Polling);
        if let Some(done) = finished(&task) {
            return Ok(done);
        }
        let mut last_seq = None;
        let mut streams = true;
        loop {
            if streams {
                match self
                    .follow_stream(id, &mut last_seq, &mut on_update)
                    .await?
                {
                    Followed::Done(done) => return Ok(done),
                    Followed::NoStream => streams = false,
                    Followed::Dropped => {}
                }
            }
            // Poll a while before trying the stream again (resuming after the last event).
            for _ in 0..REPOLL {
                tokio::time::sleep(POLL).await;
                let task = self.task(id).await?;
                on_update(&task, Via::Polling);
                if let Some(done) = finished(&task) {
                    return Ok(done);
                }
            }
        }
    }

    /// Reads the task at each of its events until it ends or the stream drops or goes quiet.
    async fn follow_stream(
        &self,
        id: i64,
        last_seq: &mut Option<i64>,
        on_update: &mut impl FnMut(&Value, Via),
    ) -> Result<Followed> {
        let stream = match self.events(Some(id), *last_seq).await {
            Ok(Some(stream)) => stream,
            Ok(None) => return Ok(Followed::NoStream),
            // Refused (no permission to read events) or unreachable: polling decides.
            Err(_) => return Ok(Followed::Dropped),
        };
        let mut stream = std::pin::pin!(stream);
        // Anything that happened before the subscription took hold.
        let task = self.task(id).await?;
        on_update(&task, Via::Events);
        if let Some(done) = finished(&task) {
            return Ok(Followed::Done(done));
        }
        while let Ok(Some(Ok(event))) = tokio::time::timeout(QUIET, stream.next()).await {
            *last_seq = event.seq.or(*last_seq);
            if event.kind == "resource.state" {
                continue;
            }
            let task = self.task(id).await?;
            on_update(&task, Via::Events);
            if let Some(done) = finished(&task) {
                return Ok(Followed::Done(done));
            }
        }
        Ok(Followed::Dropped)
    }
}

/// How following the event stream ended.
enum Followed {
    Done(Outcome),
    /// The server has no event stream: poll only.
    NoStream,
    /// The stream dropped or went quiet: poll, then try again.
    Dropped,
}

fn finished(task: &Value) -> Option<Outcome> {
    let state = state_of(task)?;
    state.is_terminal().then(|| Outcome {
        state,
        task: task.clone(),
    })
}
