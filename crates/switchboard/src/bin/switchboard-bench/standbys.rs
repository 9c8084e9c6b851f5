//! `accept-wrk --replicas N` on PostgreSQL: N−1 standbys beside the leader, each with a data
//! dir and port of its own, and the load spread over all N (a standby passes its share on to
//! the leader, or, with `SWITCHBOARD_STANDBYS=serve`, accepts it itself), one wrk process per
//! replica on its own slice of the services.

use crate::real::{binary, free_port, MASTER_KEY, PASSWORD};
use crate::wrk::{self, Load, Outcome};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Standby {
    child: Child,
    pub base: String,
}

impl Drop for Standby {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `count` standbys on `config`'s database; returns once each stands by (or, with
/// `SWITCHBOARD_STANDBYS=serve`, which they inherit, once each serves beside the leader).
pub async fn start(config: &Path, dir: &Path, count: usize) -> Result<Vec<Standby>> {
    let serving = std::env::var("SWITCHBOARD_STANDBYS").is_ok_and(|v| v == "serve");
    let mut standbys = Vec::new();
    for k in 1..=count {
        let port = free_port()?;
        let log = std::fs::File::create(dir.join(format!("standby-{k}.log")))?;
        let child = Command::new(binary()?)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(dir.join(format!("standby-{k}")))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
            .env("SWITCHBOARD_MASTER_KEY", MASTER_KEY)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        standbys.push(Standby {
            child,
            base: format!("http://127.0.0.1:{port}"),
        });
    }
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    for s in &mut standbys {
        loop {
            let health = http.get(format!("{}/health", s.base)).send().await;
            if let Ok(health) = health {
                let up = health.status().is_success();
                let standing_by = health.text().await?.contains("standing_by");
                if (serving && up) || (!serving && standing_by) {
                    break;
                }
            }
            if let Some(status) = s.child.try_wait()? {
                bail!("a standby exited with {status}; see {}", dir.display());
            }
            if Instant::now() > deadline {
                bail!("a standby did not stand by within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(standbys)
}

/// The targets file cut into `n` slices, one file each.
pub fn split_targets(targets: &Path, n: usize) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(targets)?;
    let lines: Vec<&str> = text.lines().collect();
    let per = lines.len() / n;
    (0..n)
        .map(|k| {
            let path = targets.with_extension(format!("{k}.txt"));
            std::fs::write(&path, lines[k * per..(k + 1) * per].join("\n") + "\n")?;
            Ok(path)
        })
        .collect()
}

/// One wrk per replica at once, each with its share of the connections; their outcomes.
pub async fn accept_spread(
    script: &Path,
    bases: &[String],
    token: &str,
    slices: &[PathBuf],
    offsets: &[String],
    load: Load,
) -> Result<Vec<Outcome>> {
    let share = Load {
        connections: (load.connections / bases.len()).max(1),
        threads: 1,
        ..load
    };
    let runs = bases
        .iter()
        .zip(slices)
        .zip(offsets)
        .map(|((base, slice), offsets)| wrk::accept(script, base, token, slice, offsets, share));
    futures::future::try_join_all(runs).await
}

/// `7,123 accepted/s in all; leader: p50 … ; standby 1: …`.
pub fn summary(outcomes: &[Outcome]) -> String {
    let requests: u64 = outcomes.iter().map(|o| o.requests).sum();
    let secs = outcomes.iter().map(|o| o.secs).fold(0.0, f64::max);
    let each: Vec<String> = outcomes
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let who = if k == 0 {
                "leader".to_string()
            } else {
                format!("standby {k}")
            };
            format!(
                "{who} {:.0}/s p50 {:.2} ms p99 {:.2} ms",
                o.rate(),
                o.p50_ms,
                o.p99_ms
            )
        })
        .collect();
    format!(
        "{:.0} accepted/s in all ({requests} in {secs:.2} s); {}",
        requests as f64 / secs,
        each.join("; ")
    )
}
