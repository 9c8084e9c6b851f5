//! Readiness probes: a TCP connect, an HTTP GET with an expected status, or a command.

use super::config::Probe;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the probe passes now; the error says why not.
pub async fn check(probe: &Probe) -> Result<(), String> {
    let work = async {
        if let Some(addr) = &probe.tcp {
            TcpStream::connect(addr)
                .await
                .map(|_| ())
                .map_err(|e| format!("tcp {addr}: {e}"))
        } else if let Some(url) = &probe.http {
            http_get(url, probe.status.unwrap_or(200)).await
        } else if let Some(cmd) = &probe.command {
            let status = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .status()
                .await
                .map_err(|e| format!("`{cmd}`: {e}"))?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("`{cmd}` {status}"))
            }
        } else {
            Ok(())
        }
    };
    tokio::time::timeout(probe.timeout, work)
        .await
        .unwrap_or_else(|_| Err(format!("probe timed out after {:?}", probe.timeout)))
}

/// A minimal HTTP/1.0 GET: only the status line matters.
async fn http_get(url: &str, want: u16) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: not an http:// URL"))?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let addr = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let mut stream = TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("http {url}: {e}"))?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("http {url}: {e}"))?;
    let mut head = vec![0u8; 64];
    let n = stream
        .read(&mut head)
        .await
        .map_err(|e| format!("http {url}: {e}"))?;
    let line = String::from_utf8_lossy(&head[..n]);
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("http {url}: no status line"))?;
    if status == want {
        Ok(())
    } else {
        Err(format!("http {url} answered {status}, not {want}"))
    }
}
