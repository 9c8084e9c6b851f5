//! The external load generator: wrk (Debian's `wrk` package) with the Lua scripts of
//! `scripts/bench/`, which print one `RESULT` line the bench parses.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The scripts, built in so the bench runs from any directory.
const ACCEPT_LUA: &str = include_str!("../../../../../scripts/bench/accept.lua");
const READ_LUA: &str = include_str!("../../../../../scripts/bench/read.lua");

/// wrk's load and the server's log level, as flags.
#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// The server's log filter (`info` writes a line per request to its log file).
    #[arg(long, default_value = "warn")]
    pub log: String,
}

impl Args {
    pub fn load(&self, secs: u64) -> Load {
        Load {
            connections: self.connections,
            threads: self.threads,
            duration: Duration::from_secs(secs),
        }
    }
}

/// How wrk loads the server.
#[derive(Clone, Copy)]
pub struct Load {
    pub connections: usize,
    pub threads: usize,
    pub duration: Duration,
}

/// What one wrk run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub requests: u64,
    pub secs: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Where each wrk thread stopped in its slice of targets (accept runs).
    pub offsets: String,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.secs
    }

    /// `8,123 ops/s, p50 7.10 ms, p99 9.90 ms`.
    pub fn summary(&self, unit: &str) -> String {
        format!(
            "{:.0} {unit}/s ({} in {:.2} s), p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.rate(),
            self.requests,
            self.secs,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms
        )
    }
}

/// Writes the scripts into `dir`; returns the paths of accept.lua and read.lua.
pub fn scripts(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let accept = dir.join("accept.lua");
    let read = dir.join("read.lua");
    std::fs::write(&accept, ACCEPT_LUA)?;
    std::fs::write(&read, READ_LUA)?;
    Ok((accept, read))
}

/// Durable start/stop accepts over the `targets` file (see accept.lua), continuing at `offsets`.
pub async fn accept(
    script: &Path,
    base: &str,
    token: &str,
    targets: &Path,
    offsets: &str,
    load: Load,
) -> Result<Outcome> {
    let args = [
        token.to_string(),
        targets.display().to_string(),
        load.threads.to_string(),
        offsets.to_string(),
    ];
    run(script, base, &args, load).await
}

/// Authenticated GETs of `url` (no token when `token` is empty).
pub async fn read(script: &Path, url: &str, token: &str, load: Load) -> Result<Outcome> {
    run(script, url, &[token.to_string()], load).await
}

async fn run(script: &Path, url: &str, args: &[String], load: Load) -> Result<Outcome> {
    let output = tokio::process::Command::new("wrk")
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .args(["--timeout", "10s", "-s"])
        .arg(script)
        .arg(url)
        .arg("--")
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .context(
            "cannot run wrk (apt-get install -y wrk, or scripts/bench/accept.sh installs it)",
        )?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .with_context(|| format!("wrk printed no RESULT line: {stdout}"))?;
    let field = |name: &str| -> Result<&str> {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .with_context(|| format!("no {name} in {line}"))
    };
    let num = |name: &str| -> Result<u64> { Ok(field(name)?.parse::<f64>()? as u64) };
    let (non200, socket, timeouts) = (num("non200")?, num("socket_errors")?, num("timeouts")?);
    if non200 + socket + timeouts > 0 {
        let first = stdout
            .lines()
            .find_map(|l| l.strip_prefix("FIRST_BAD "))
            .unwrap_or("-");
        bail!("{url}: {non200} answers other than 200, {socket} socket errors, {timeouts} timeouts; first: {first}{}",
            if first.starts_with("409") { " (a service was asked again while its previous task still ran: give the bench more services or shorter runs)" } else { "" });
    }
    let ms = |name: &str| -> Result<f64> { Ok(num(name)? as f64 / 1000.0) };
    Ok(Outcome {
        requests: num("requests")?,
        secs: num("duration_us")? as f64 / 1e6,
        p50_ms: ms("p50_us")?,
        p90_ms: ms("p90_us")?,
        p99_ms: ms("p99_us")?,
        max_ms: ms("max_us")?,
        offsets: field("offsets")?.to_string(),
    })
}

/// `load` shortened to at most 90% of one pass over `services` at `rate` accepts/s (at least
/// 1 s): within a run no service is asked twice, and between runs the engine settles, so no
/// request meets the previous task of its service still running.
pub fn one_pass(load: Load, services: usize, rate: f64) -> Load {
    let pass = services as f64 / rate.max(1.0) * 0.9;
    Load {
        duration: load
            .duration
            .min(Duration::from_secs(pass as u64))
            .max(Duration::from_secs(1)),
        ..load
    }
}
