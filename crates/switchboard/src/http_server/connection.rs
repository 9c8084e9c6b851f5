//! One connection: its opening (`opening`: a PROXY header taken off; on a standby, passed on),
//! then hyper's HTTP/1.1 state machine, watched for the header-read and idle timeouts, with the
//! peer address in every request's extensions (`ConnectInfo`, and `ProxiedFrom`).

use super::activity::{Activity, Done, Noted, Phase};
use super::body::DeadlineBody;
use super::{opening, pass_on, App, Limits};
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use switchboard_api::ProxiedFrom;
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio::time::Instant;
use tower::ServiceExt;

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
        let reading = opening::read(&mut stream, |arriving| {
            let since = Instant::now();
            activity.set(|_| match arriving {
                true => Phase::Head { since },
                false => Phase::Idle { since },
            })
        });
        watched(reading, &activity, &limits, &mut stop, &mut crowded).await
    };
    let Some(Ok(opening)) = opening else {
        return;
    };
    // Only peeked at: hyper's first read marks the head's start again.
    activity.set(|_| Phase::Idle {
        since: Instant::now(),
    });
    let proxied_from = opening.proxied_from.map(ProxiedFrom);
    // A standby passes the connection on, unless it was passed on already or asks for the
    // standby's own health.
    let passing = (app.pass_on.as_ref())
        .filter(|_| !opening.passed_on && !opening.asks_health)
        .and_then(|pass| Some((pass, pass.target()?)));
    if let Some((pass, leader)) = passing {
        // The client as this replica believes it, for the leader.
        let source = ProxiedFrom::believed(peer, proxied_from, &pass.trusted);
        let (stop, crowded) = (stop.clone(), crowded.clone());
        match pass_on::splice(stream, source, leader, pass, stop, crowded).await {
            Ok(()) => return,
            Err(back) => stream = back,
        }
    }
    let io = TokioIo::new(Noted {
        inner: stream,
        notes: activity.clone(),
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
