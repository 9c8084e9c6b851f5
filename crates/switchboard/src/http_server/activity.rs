//! A connection's timing: where it stands (idle, receiving a head, busy) and when that times
//! out; the socket wrapper that notes the bytes arriving and leaving (`Noted`, which a passed-on
//! connection uses too).

use super::Limits;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Where a connection stands, for its timeouts.
#[derive(Clone, Copy)]
pub(super) enum Phase {
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
pub(super) struct Activity {
    pub(super) phase: Mutex<Phase>,
}

impl Activity {
    pub(super) fn set(&self, f: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        *phase = f(*phase);
    }

    /// When the connection times out in its current phase; `None` while busy.
    pub(super) fn deadline(&self, limits: &Limits, crowded: bool) -> Option<Instant> {
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
    pub(super) fn wake_at(&self, limits: &Limits, crowded: bool, now: Instant) -> Instant {
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

/// Marks the connection idle when a request has been answered (or its handler dropped).
pub(super) struct Done(pub(super) Arc<Activity>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.set(|_| Phase::Idle {
            since: Instant::now(),
        });
    }
}

/// What a socket wrapper (`Noted`) tells of the traffic it sees.
pub(super) trait Notes {
    /// Bytes came from the client.
    fn received(&self);
    /// Bytes went to the client.
    fn sent(&self);
}

/// A connection's timing notes the first bytes of a request head arriving; and an answer still
/// being written to a client that reads it is not idle (hyper goes on writing after the handler
/// returned), while one the client stops reading times out as idle.
impl Notes for Activity {
    fn received(&self) {
        self.set(|phase| match phase {
            Phase::Idle { .. } => Phase::Head {
                since: Instant::now(),
            },
            other => other,
        });
    }

    fn sent(&self) {
        self.set(|phase| match phase {
            Phase::Idle { .. } => Phase::Idle {
                since: Instant::now(),
            },
            other => other,
        });
    }
}

/// The client's socket, telling `notes` of its traffic.
pub(super) struct Noted<N> {
    pub(super) inner: TcpStream,
    pub(super) notes: Arc<N>,
}

impl<N> Noted<N> {
    fn wrote(&self, result: &Poll<io::Result<usize>>)
    where
        N: Notes,
    {
        if matches!(result, Poll::Ready(Ok(n)) if *n > 0) {
            self.notes.sent();
        }
    }
}

impl<N: Notes> AsyncRead for Noted<N> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.notes.received();
        }
        result
    }
}

impl<N: Notes> AsyncWrite for Noted<N> {
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
