//! A standby replica passes each connection on to the leading replica whole: it connects to the
//! leader, writes a PROXY protocol header saying whose connection it is, then copies bytes both
//! ways until either side closes (requests, answers and event streams alike). Nothing is parsed
//! on the way, which is what makes a standby cheap: on one host, three replicas serve about as
//! many requests a second as one alone.
//!
//! The header carries the client's address (the leader believes it from replicas listed in its
//! `trusted_proxies`) and a mark (`opening::PASSED_ON_TLV`) so a connection is passed on once at
//! most: a stale leader address cannot make replicas pass a connection round in a loop.

use super::opening::PASSED_ON_TLV;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

/// How long a leader may take to accept a connection before its client is answered 503.
const CONNECT_WITHIN: Duration = Duration::from_secs(2);

const FORWARDED_TOTAL: &str = "switchboard_forwarded_connections_total";

/// What a standby needs to pass connections on: the leader's URL (`None` while unknown), and
/// whether it still stands by.
#[derive(Clone)]
pub struct PassOn {
    pub leader: Arc<watch::Sender<Option<String>>>,
    pub standing_by: Arc<dyn Fn() -> bool + Send + Sync>,
    /// Proxies whose PROXY headers are believed (`[api] trusted_proxies`).
    pub trusted: Arc<[IpAddr]>,
}

impl PassOn {
    /// Where to pass a connection on to now.
    pub(super) fn target(&self) -> Option<String> {
        let leader = self.leader.borrow().clone().filter(|url| !url.is_empty());
        leader.filter(|_| (self.standing_by)())
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

/// Passes `client` on to `leader` until either side closes, the leader changes, or `stop`
/// fires. Gives the connection back when the leader cannot be reached, to be answered here.
pub(super) async fn splice(
    mut client: TcpStream,
    source: SocketAddr,
    leader: String,
    pass: &PassOn,
    mut stop: watch::Receiver<()>,
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
    tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
            if let Err(err) = copied {
                tracing::debug!(%err, %source, "a passed-on connection ended with an error");
            }
        }
        // A leader that was replaced may be cut off rather than dead: its clients would hang.
        _ = leaders.wait_for(|now| now.as_deref() != Some(leader.as_str())) => {}
        _ = stop.changed() => {}
    }
    Ok(())
}

async fn connect(
    leader: &str,
    client: &TcpStream,
    source: SocketAddr,
) -> anyhow::Result<TcpStream> {
    let url = url::Url::parse(leader)?;
    let host = url.host_str().ok_or_else(|| anyhow::anyhow!("no host"))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| anyhow::anyhow!("no port"))?;
    let connecting = TcpStream::connect((host, port));
    let mut upstream = tokio::time::timeout(CONNECT_WITHIN, connecting)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {CONNECT_WITHIN:?}"))??;
    upstream.set_nodelay(true)?;
    upstream
        .write_all(&header(source, client.local_addr()?)?)
        .await?;
    Ok(upstream)
}
