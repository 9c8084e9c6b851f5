//! The HTTP/1.1 server every entry point uses (the binary, the tests, the benchmarks): an accept
//! loop around hyper with a connection cap and timeouts, which `axum::serve` does not have.
//!
//! - At most `max_connections` connections are served at once. The permit is taken *before*
//!   `accept`, so beyond the cap new connections wait in the kernel's listen backlog while the
//!   established ones keep being served (`bind` asks for a backlog of 1024). While every slot is
//!   taken, a connection idle for `CROWDED_IDLE` is closed to make room, so a flood of idle
//!   connections delays a new client by about that long rather than by the idle timeout.
//! - A connection that has received part of a request head must complete it within
//!   `header_read_timeout` (slowloris), and one with no request in progress is closed after
//!   `idle_timeout` without traffic. hyper's own header timer starts when it begins waiting for a
//!   head, so it would close every keep-alive connection after the short header timeout; the two
//!   are therefore timed here (`activity.rs`).
//! - A request body must arrive within `body_read_timeout` of its head (`body.rs`): reading it
//!   later fails, the handler answers 400 in its family's format and hyper closes the connection.
//! - What is served can change once (`App::switching`): the binary answers while it starts with
//!   a start-up router, then with the full API from the next request on, connections kept. A
//!   replica serving beside the leader serves the member's router meanwhile (`App::beside`).
//! - A connection may begin with a PROXY protocol header, taken off before hyper reads
//!   (`opening.rs`); a standby replica passes its connections on to the leader whole
//!   (`pass_on.rs`, `App::passing_on`).

mod activity;
mod body;
mod connection;
mod opening;
mod pass_on;

pub use pass_on::{describe as describe_pass_on, PassOn};

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{watch, Semaphore};

/// How long a connection may idle while the server is full (`idle_timeout` otherwise).
const CROWDED_IDLE: Duration = Duration::from_secs(1);

/// Limits of the server; see the module documentation.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_read_timeout: Duration,
}

impl Limits {
    /// The limits `[server]` configures.
    pub fn from_config(config: &crate::config::ServerConfig) -> Limits {
        Limits {
            max_connections: config.connection_cap(),
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
            body_read_timeout: config.body_read_timeout,
        }
    }
}

/// The router of a replica serving beside the leader, while it does (`crate::member`).
pub type MemberSlot = Arc<RwLock<Option<Router>>>;

/// The router a request is served by: a fixed one, or a start-up one until the full one is set.
#[derive(Clone)]
pub struct App {
    startup: Router,
    full: Arc<OnceLock<Router>>,
    pass_on: Option<PassOn>,
    member: Option<MemberSlot>,
}

impl App {
    /// Serves `startup` until a router is set in `full`, then that one.
    pub fn switching(startup: Router, full: Arc<OnceLock<Router>>) -> App {
        App {
            startup,
            full,
            pass_on: None,
            member: None,
        }
    }

    /// Serves the member's router, while `slot` holds one, until the full one is set.
    pub fn beside(mut self, slot: MemberSlot) -> App {
        self.member = Some(slot);
        self
    }

    /// Passes connections on to the leader while `pass` names one.
    pub fn passing_on(mut self, pass: PassOn) -> App {
        self.pass_on = Some(pass);
        self
    }

    /// Whether the full router serves (start-up is over).
    fn is_full(&self) -> bool {
        self.full.get().is_some()
    }

    /// The router for the next request: one atomic load on top of the clone it always took
    /// (and, until the full one is set, a read of the member's slot).
    fn current(&self) -> Router {
        if let Some(full) = self.full.get() {
            return full.clone();
        }
        let member = self.member.as_ref().and_then(|slot| {
            let router = slot.read().unwrap_or_else(|p| p.into_inner());
            router.clone()
        });
        member.unwrap_or_else(|| self.startup.clone())
    }
}

impl From<Router> for App {
    fn from(router: Router) -> App {
        App {
            startup: Router::new(),
            full: Arc::new(OnceLock::from(router)),
            pass_on: None,
            member: None,
        }
    }
}

/// Connections the kernel completes and queues for `accept` while the server is at its cap
/// (capped by `net.core.somaxconn`); tokio's `TcpListener::bind` asks for only 128.
const BACKLOG: u32 = 1024;

/// A listener on `addr` with a backlog of `BACKLOG`.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As std and tokio do: a restarted server can bind while old connections are in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves `app` on a free loopback port, with the limits `server` configures, until the runtime
/// ends: the same server the binary runs, for tests and benchmarks.
pub fn spawn_on_loopback(
    app: Router,
    server: &crate::config::ServerConfig,
) -> std::io::Result<SocketAddr> {
    let listener = bind(([127, 0, 0, 1], 0).into())?;
    let addr = listener.local_addr()?;
    let limits = Limits::from_config(server);
    tokio::spawn(serve(listener, app, limits, std::future::pending()));
    Ok(addr)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the connections finish their
/// requests in progress (idle ones are closed at once) and returns.
pub async fn serve(
    listener: TcpListener,
    app: impl Into<App>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let app = app.into();
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let limits = Arc::new(limits);
    // Every connection holds a receiver: `closed()` below waits until all of them have ended.
    let (stop_tx, stop_rx) = watch::channel(());
    // True while every slot is taken.
    let (crowded_tx, crowded_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                // Full: idle connections make room (see `CROWDED_IDLE`) until a slot frees.
                crowded_tx.send_replace(true);
                let permit = tokio::select! {
                    p = permits.clone().acquire_owned() => p.ok(),
                    () = &mut shutdown => None,
                };
                crowded_tx.send_replace(false);
                match permit {
                    Some(p) => p,
                    None => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(err) => {
                    // EMFILE and the like: back off instead of spinning; the client can retry.
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection::run(
            stream,
            peer,
            app.clone(),
            limits.clone(),
            stop_rx.clone(),
            crowded_rx.clone(),
            permit,
        ));
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(());
    stop_tx.closed().await;
}
