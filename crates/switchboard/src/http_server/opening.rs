//! A connection's first bytes, read before hyper takes it: a PROXY protocol (version 2) header,
//! which a standby replica or a load balancer puts in front of the client's bytes to say whose
//! they are, is taken off; and a standby learns whether the first request asks for its own
//! `/health` or `/ready`.
//!
//! The header is taken off whoever sends it, but believed only from a trusted proxy (see
//! `ProxiedFrom`): a client that writes one itself gains nothing.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Where a PROXY header begins (the protocol's 12-byte signature).
const SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The header's fixed part: the signature, version and command, family, and the length of what
/// follows.
const FIXED: usize = 16;
/// The longest header taken: addresses (at most 216 bytes, for Unix sockets) and a few TLVs. A
/// longer one is refused rather than read.
const LONGEST: usize = 536;
/// The TLV (of the range the protocol leaves to applications) a replica marks its headers
/// with: a connection passed on once is never passed on again.
pub(super) const PASSED_ON_TLV: u8 = 0xE5;

/// What the first bytes said.
#[derive(Debug, Default)]
pub(super) struct Opening {
    /// The source address a PROXY header gave, if one came first.
    pub proxied_from: Option<SocketAddr>,
    /// The header was a replica's (`PASSED_ON_TLV`).
    pub passed_on: bool,
    /// The first request asks for `/health` or `/ready`.
    pub asks_health: bool,
}

/// Reads a PROXY header off `stream` if one comes first, and peeks at the request behind it.
/// Waits for bytes as long as the caller lets it; `arriving(true)` says bytes began to arrive,
/// `arriving(false)` that a header was read and a request is awaited (the caller's timeouts).
pub(super) async fn read(
    stream: &mut TcpStream,
    mut arriving: impl FnMut(bool),
) -> io::Result<Opening> {
    let mut opening = Opening::default();
    let mut first = [0u8; FIXED];
    let seen = peek_past_signature(stream, &mut first, &mut arriving).await?;
    let seen = if seen.starts_with(SIGNATURE) {
        let mut header = vec![0u8; FIXED];
        stream.read_exact(&mut header).await?;
        let length = usize::from(u16::from_be_bytes([header[14], header[15]]));
        if FIXED + length > LONGEST {
            return Err(invalid("a PROXY header longer than 536 bytes"));
        }
        header.resize(FIXED + length, 0);
        stream.read_exact(&mut header[FIXED..]).await?;
        (opening.proxied_from, opening.passed_on) = parse(&header)?;
        // The request itself may come later (a load balancer writes the header on connecting).
        arriving(false);
        let seen = peek(stream, &mut first).await?;
        arriving(true);
        seen
    } else {
        seen
    };
    opening.asks_health = asks_health(seen);
    Ok(opening)
}

/// Peeks at the first bytes; while they are only the start of the signature, waits for more (a
/// PROXY header comes in one piece in practice, so this is a short wait, under the head's
/// timeout once `arriving` was told).
async fn peek_past_signature<'b>(
    stream: &TcpStream,
    buf: &'b mut [u8; FIXED],
    arriving: &mut impl FnMut(bool),
) -> io::Result<&'b [u8]> {
    let mut n = peek(stream, buf).await?.len();
    arriving(true);
    while n < SIGNATURE.len() && SIGNATURE.starts_with(&buf[..n]) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        n = peek(stream, buf).await?.len();
    }
    Ok(&buf[..n])
}

async fn peek<'b>(stream: &TcpStream, buf: &'b mut [u8; FIXED]) -> io::Result<&'b [u8]> {
    let n = stream.peek(buf).await?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(&buf[..n])
}

/// The source address and the replica's mark of a whole header.
fn parse(header: &[u8]) -> io::Result<(Option<SocketAddr>, bool)> {
    use ppp::v2::{Addresses, Command, Header};
    let header = Header::try_from(header).map_err(|e| invalid(&e.to_string()))?;
    let mut passed_on = false;
    for tlv in header.tlvs() {
        let tlv = tlv.map_err(|e| invalid(&e.to_string()))?;
        passed_on |= tlv.kind == PASSED_ON_TLV;
    }
    // LOCAL (a health check of the proxy's own) and unknown families say nothing of a client.
    let source = match (header.command, header.addresses) {
        (Command::Proxy, Addresses::IPv4(a)) => Some((a.source_address, a.source_port).into()),
        (Command::Proxy, Addresses::IPv6(a)) => Some((a.source_address, a.source_port).into()),
        _ => None,
    };
    Ok((source, passed_on))
}

/// Whether a request starting with `seen` asks for `/health` or `/ready` (with or without a
/// query).
fn asks_health(seen: &[u8]) -> bool {
    [
        &b"GET /health"[..],
        b"GET /ready",
        b"HEAD /health",
        b"HEAD /ready",
    ]
    .iter()
    .any(|line| seen.starts_with(line) && matches!(seen.get(line.len()), Some(b' ' | b'?')))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_requests_are_told_from_others() {
        assert!(asks_health(b"GET /health HTTP/1.1\r\n"));
        assert!(asks_health(b"GET /ready?x=1 HTTP/1.1"));
        assert!(asks_health(b"HEAD /ready HTTP/1.1"));
        assert!(!asks_health(b"GET /healthz HTTP/1.1"));
        assert!(
            !asks_health(b"GET /health"),
            "cut short: not known, passed on"
        );
        assert!(!asks_health(b"POST /health HTTP/1.1"));
        assert!(!asks_health(b"GET /v3/auth/tokens HTTP/1.1"));
    }

    #[test]
    fn a_header_gives_its_source_and_mark() {
        let from: SocketAddr = "192.0.2.7:5555".parse().unwrap();
        let to: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let header = super::super::pass_on::header(from, to).unwrap();
        assert_eq!(parse(&header).unwrap(), (Some(from), true));
        let local = ppp::v2::Builder::with_addresses(
            ppp::v2::Version::Two | ppp::v2::Command::Local,
            ppp::v2::Protocol::Stream,
            (from, to),
        )
        .build()
        .unwrap();
        assert_eq!(parse(&local).unwrap(), (None, false));
        assert!(parse(&header[..header.len() - 1]).is_err());
    }
}
