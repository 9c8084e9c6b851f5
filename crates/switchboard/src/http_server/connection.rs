//! One connection: its opening (`opening`: a PROXY header taken off; on a standby, passed on),
//! then hyper's HTTP/1.1 state machine, watched for the header-read and idle timeouts, with the
//! peer address in every request's extensions (`ConnectInfo`, and `ProxiedFrom`).

use super::body::DeadlineBody;
use super::{opening, pass_on, App, Limits};
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use switchboard_api::ProxiedFrom;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio::time::Instant;
use tower::ServiceExt;

/// Where a connection stands, for its timeouts.
#[derive(Clone, Copy)]
enum Phase {
    /// No request in progress and nothing received since `since`.
    Idle { since: Instant },
    /// Bytes of a request head have been arriving since `since`.
    Head { since: Instant },
    /// A request is being handled (its body has its own deadline).
    Busy,
}

/// The phase, shared by the socket (bytes in), the service (requests) and the watchdog.
///
/// Changes wake nobody: a request costs a few uncontended lock operations, not a wake-up of
/// the connection's task and a new timer. The watchdog instead never sleeps longer than the
/// shortest timeout a phase can have (see `Activity::wake_at`), which is enough to meet any
/// deadline a change can set.
struct Activity {
    phase: Mutex<Phase>,
}

impl Activity {
    fn set(&self, f: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        *phase = f(*phase);
    }

    /// When the connection times out in its current phase; `None` while busy.
    fn deadline(&self, limits: &Limits, crowded: bool) -> Option<Instant> {
        match *self.phase.lock().unwrap_or_else(|p| p.into_inner()) {
            Phase::Idle { since } => Some(since + idle_limit(limits, crowded)),
            Phase::Head { since } => Some(since + limits.header_read_timeout),
            Phase::Busy => None,
        }
    }

    /// When the watchdog looks again: the current phase's deadline, but no later than the
    /// shortest timeout a phase can have from `now` (a head's, or an idle connection's, which
    /// is shorter while the server is crowded). A phase that starts after `now` then times out
    /// after that look, so a change needs no wake-up; a change of crowding wakes the watchdog
    /// through its channel.
    fn wake_at(&self, limits: &Limits, crowded: bool, now: Instant) -> Instant {
        // Never a busy loop, whatever the configuration says.
        let shortest = limits.header_read_timeout.min(idle_limit(limits, crowded));
        let bound = now + shortest.max(Duration::from_millis(10));
        match self.deadline(limits, crowded) {
            Some(d) => d.min(bound),
            None => bound,
        }
    }
}

/// How long a connection may stay idle: shorter while every connection slot is taken, so
/// idle ones make room.
fn idle_limit(limits: &Limits, crowded: bool) -> Duration {
    if crowded {
        limits.idle_timeout.min(super::CROWDED_IDLE)
    } else {
        limits.idle_timeout
    }
}

/// Serves one connection until the client or the server ends it, or it times out; or, on a
/// standby, passes it on to the leader (`pass_on`).
pub(super) async fn run(
    mut stream: TcpStream,
    peer: SocketAddr,
    app: App,
    limits: Arc<Limits>,
    mut stop: watch::Receiver<()>,
    mut crowded: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity {
        phase: Mutex::new(Phase::Idle {
            since: Instant::now(),
        }),
    });
    let opening = {
        let reading = opening::read(&mut stream, || {
            activity.set(|_| Phase::Head {
                since: Instant::now(),
            })
        });
        watched(reading, &activity, &limits, &mut stop, &mut crowded).await
    };
    let Some(Ok(opening)) = opening else {
        return;
    };
    // The bytes behind a PROXY header are a new wait for a request.
    activity.set(|_| Phase::Idle {
        since: Instant::now(),
    });
    let proxied_from = opening.proxied_from.map(ProxiedFrom);
    if let Some(pass) = app
        .pass_on
        .as_ref()
        .filter(|_| !opening.passed_on && !opening.asks_health)
    {
        if let Some(leader) = app.pass_to() {
            // The client as this replica believes it, for the leader.
            let trusted = pass.trusted.contains(&peer.ip().to_canonical());
            let source = match opening.proxied_from {
                Some(from) if trusted => from,
                _ => peer,
            };
            match pass_on::splice(stream, source, leader, pass, stop.clone()).await {
                Ok(()) => return,
                Err(back) => stream = back,
            }
        }
    }
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    // A replica that may pass connections on later (starting, or standing by) closes the ones it
    // answers itself: a client retrying after its 503 comes back on a new connection, which is
    // passed on once a leader is known.
    let keep_alive = app.pass_on.is_none() || app.is_full();
    let service = {
        let activity = activity.clone();
        let body_timeout = limits.body_read_timeout;
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            activity.set(|_| Phase::Busy);
            let done = Done(activity.clone());
            let (mut parts, body) = req.into_parts();
            parts.extensions.insert(ConnectInfo(peer));
            if let Some(from) = proxied_from {
                parts.extensions.insert(from);
            }
            let body = DeadlineBody::new(body, Instant::now() + body_timeout);
            let app = app.current();
            async move {
                let response = app.oneshot(hyper::Request::from_parts(parts, body)).await;
                drop(done);
                response
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        // Timed by the watchdog below instead (see the module documentation of `http_server`).
        .header_read_timeout(None)
        .keep_alive(keep_alive)
        .serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    let mut watching_crowd = true;
    loop {
        let crowd = *crowded.borrow_and_update();
        let wake = activity.wake_at(&limits, crowd, Instant::now());
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, %err, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake) => {
                let expired = activity.deadline(&limits, *crowded.borrow());
                if expired.is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(%peer, "closing a connection that timed out");
                    return;
                }
            }
            changed = crowded.changed(), if watching_crowd => watching_crowd = changed.is_ok(),
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Runs `work` under the connection's timeouts: `None` when it times out or the server stops
/// first.
async fn watched<T>(
    work: impl Future<Output = T>,
    activity: &Activity,
    limits: &Limits,
    stop: &mut watch::Receiver<()>,
    crowded: &mut watch::Receiver<bool>,
) -> Option<T> {
    let mut work = std::pin::pin!(work);
    let mut watching_crowd = true;
    loop {
        let crowd = *crowded.borrow_and_update();
        let wake = activity.wake_at(limits, crowd, Instant::now());
        tokio::select! {
            done = work.as_mut() => return Some(done),
            () = tokio::time::sleep_until(wake) => {
                let expired = activity.deadline(limits, *crowded.borrow());
                if expired.is_some_and(|d| d <= Instant::now()) {
                    return None;
                }
            }
            changed = crowded.changed(), if watching_crowd => watching_crowd = changed.is_ok(),
            _ = stop.changed() => return None,
        }
    }
}

/// Marks the connection idle when a request has been answered (or its handler dropped).
struct Done(Arc<Activity>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.set(|_| Phase::Idle {
            since: Instant::now(),
        });
    }
}

/// The socket, noting when the first bytes of a request head arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    /// An answer still being written to a client that reads it is not idle (hyper goes on
    /// writing after the handler returned); one the client stops reading times out as idle.
    fn wrote(&self, result: &Poll<io::Result<usize>>) {
        if matches!(result, Poll::Ready(Ok(n)) if *n > 0) {
            self.activity.set(|phase| match phase {
                Phase::Idle { .. } => Phase::Idle {
                    since: Instant::now(),
                },
                other => other,
            });
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.set(|phase| match phase {
                Phase::Idle { .. } => Phase::Head {
                    since: Instant::now(),
                },
                other => other,
            });
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::{Activity, Limits, Phase};
    use std::sync::Mutex;
    use std::time::Duration;
    use tokio::time::Instant;

    #[test]
    fn the_watchdog_looks_again_before_any_new_phase_can_time_out() {
        let limits = Limits {
            max_connections: 8,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
        };
        let busy = Activity {
            phase: Mutex::new(Phase::Busy),
        };
        let now = Instant::now();
        // A busy connection that goes idle in a crowd times out a second after: the
        // watchdog must not be asleep until the head timeout then.
        assert_eq!(
            busy.wake_at(&limits, true, now),
            now + Duration::from_secs(1)
        );
        assert_eq!(
            busy.wake_at(&limits, false, now),
            now + Duration::from_secs(10)
        );
        let idle = Activity {
            phase: Mutex::new(Phase::Idle { since: now }),
        };
        assert_eq!(
            idle.wake_at(&limits, true, now),
            now + Duration::from_secs(1)
        );
    }
}
