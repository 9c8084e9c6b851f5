//! A standby replica passes each connection on to the leading replica whole: it connects to the
//! leader, writes a PROXY protocol header saying whose connection it is, then copies bytes both
//! ways until either side closes (requests, answers and event streams alike). Nothing is parsed
//! on the way, which is what makes a standby cheap: on one host, three replicas serve about as
//! many requests a second as one alone.
//!
//! The header carries the client's address (the leader believes it from replicas listed in its
//! `trusted_proxies`) and a mark (`opening::PASSED_ON_TLV`) so a connection is passed on once at
//! most: a stale leader address cannot make replicas pass a connection round in a loop.

use super::activity::{Noted, Notes};
use super::opening::PASSED_ON_TLV;
use super::CROWDED_IDLE;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long a leader may take to accept a connection before its client is answered 503.
const CONNECT_WITHIN: Duration = Duration::from_secs(2);

const FORWARDED_TOTAL: &str = "switchboard_forwarded_connections_total";

/// What a standby needs to pass connections on: the leader's URL, set only while this replica
/// stands by (`None` before it knows one, on SQLite, and once it leads itself).
#[derive(Clone)]
pub struct PassOn {
    pub leader: Arc<watch::Sender<Option<String>>>,
    /// Proxies whose PROXY headers are believed (`[api] trusted_proxies`).
    pub trusted: Arc<[IpAddr]>,
}

impl PassOn {
    /// Where to pass a connection on to now.
    pub(super) fn target(&self) -> Option<String> {
        self.leader.borrow().clone().filter(|url| !url.is_empty())
    }
}

/// Describes the standby's series (`# HELP` lines).
pub fn describe() {
    metrics::describe_counter!(
        FORWARDED_TOTAL,
        metrics::Unit::Count,
        "Connections this replica, standing by, passed on to the leader: `passed`, or \
         `unavailable` (the leader could not be reached: answered 503 here)"
    );
}

fn counted(outcome: &'static str) {
    metrics::counter!(FORWARDED_TOTAL, "outcome" => outcome).increment(1);
}

/// The header a passed-on connection starts with: `source`, the client as this replica believes
/// it, connected to `local`, this replica's address.
pub(super) fn header(source: SocketAddr, local: SocketAddr) -> std::io::Result<Vec<u8>> {
    use ppp::v2::{Builder, Command, Protocol, Version};
    // Both addresses must be of one family: an IPv4 client of an IPv6 listener is mapped.
    let (source, local) = match (source, local) {
        (SocketAddr::V4(_), SocketAddr::V6(_)) | (SocketAddr::V6(_), SocketAddr::V4(_)) => (
            SocketAddr::new(v6(source.ip()), source.port()),
            SocketAddr::new(v6(local.ip()), local.port()),
        ),
        same => same,
    };
    Builder::with_addresses(
        Version::Two | Command::Proxy,
        Protocol::Stream,
        (source, local),
    )
    .write_tlv(PASSED_ON_TLV, b"switchboard")?
    .build()
}

fn v6(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
        v6 => v6,
    }
}

/// Passes `client` on to `leader` until either side closes, the leader changes, `stop` fires,
/// or this replica is full and the connection idles (`QuietSince`). Gives the connection back when
/// the leader cannot be reached, to be answered here.
pub(super) async fn splice(
    client: TcpStream,
    source: SocketAddr,
    leader: String,
    pass: &PassOn,
    mut stop: watch::Receiver<()>,
    mut crowded: watch::Receiver<bool>,
) -> Result<(), TcpStream> {
    let mut upstream = match connect(&leader, &client, source).await {
        Ok(upstream) => upstream,
        Err(err) => {
            tracing::warn!(%err, %leader, "cannot pass a connection on to the leading replica");
            counted("unavailable");
            return Err(client);
        }
    };
    counted("passed");
    let mut leaders = pass.leader.subscribe();
    // Its first request is still to be read (it was only peeked at): not quiet.
    let quiet_since = Arc::new(QuietSince::default());
    let mut client = Noted {
        inner: client,
        notes: quiet_since.clone(),
    };
    let copying = tokio::io::copy_bidirectional(&mut client, &mut upstream);
    let mut copying = std::pin::pin!(copying);
    loop {
        let crowd = *crowded.borrow_and_update();
        tokio::select! {
            copied = copying.as_mut() => {
                if let Err(err) = copied {
                    tracing::debug!(%err, %source, "a passed-on connection ended with an error");
                }
                break;
            }
            // A leader that was replaced may be cut off rather than dead: its clients would hang.
            _ = leaders.wait_for(|now| now.as_deref() != Some(leader.as_str())) => break,
            _ = stop.changed() => break,
            changed = crowded.changed() => if changed.is_err() { break },
            () = tokio::time::sleep(CROWDED_IDLE), if crowd => {
                if quiet_since.idle_for() >= CROWDED_IDLE {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// When the client's side of a passed-on connection went quiet: an answer (or part of one) was
/// sent to it and nothing came from it since (`None` while it waits for its answer). While this
/// replica is full, a connection quiet for `CROWDED_IDLE` is closed to make room, as idle ones
/// are when served here; one waiting for its answer is not.
#[derive(Default)]
struct QuietSince(std::sync::Mutex<Option<Instant>>);

impl QuietSince {
    fn set(&self, quiet: Option<Instant>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = quiet;
    }

    fn idle_for(&self) -> Duration {
        let since = *self.0.lock().unwrap_or_else(|p| p.into_inner());
        since.map_or(Duration::ZERO, |s| s.elapsed())
    }
}

impl Notes for QuietSince {
    fn received(&self) {
        self.set(None);
    }

    fn sent(&self) {
        self.set(Some(Instant::now()));
    }
}

async fn connect(
    leader: &str,
    client: &TcpStream,
    source: SocketAddr,
) -> anyhow::Result<TcpStream> {
    let connecting = TcpStream::connect(address(leader)?);
    let mut upstream = tokio::time::timeout(CONNECT_WITHIN, connecting)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {CONNECT_WITHIN:?}"))??;
    upstream.set_nodelay(true)?;
    upstream
        .write_all(&header(source, client.local_addr()?)?)
        .await?;
    Ok(upstream)
}

/// `host:port` of a leader's URL, for `connect` (an IPv6 address in brackets, as it parses).
fn address(leader: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(leader)?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| anyhow::anyhow!("no port in {leader}"))?;
    Ok(match url.host() {
        Some(url::Host::Domain(name)) => format!("{name}:{port}"),
        Some(url::Host::Ipv4(ip)) => SocketAddr::new(ip.into(), port).to_string(),
        Some(url::Host::Ipv6(ip)) => SocketAddr::new(ip.into(), port).to_string(),
        None => anyhow::bail!("no host in {leader}"),
    })
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn a_leaders_url_gives_the_address_to_connect_to() {
        let at = |url: &str| address(url).unwrap();
        assert_eq!(at("http://127.0.0.1:8081"), "127.0.0.1:8081");
        assert_eq!(at("http://[::1]:8081/"), "[::1]:8081");
        assert_eq!(at("http://replica-a:9000"), "replica-a:9000");
        assert_eq!(at("http://replica-a"), "replica-a:80");
        assert!(address("not a url").is_err());
    }
}
