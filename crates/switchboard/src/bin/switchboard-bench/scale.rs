//! Scale: the real release binary on a fleet-sized generated inventory (shallow DAGs, a long
//! chain, servers). Prints cold start, memory, read latency and accept rate; drives a million
//! start/stop tasks through HTTP; prints them again; then restarts on the same data dir.

use crate::inventory::{self, Shape};
use crate::real::{self, Server};
use crate::wrk::{self, Load};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 100_000)]
    resources: usize,
    #[arg(long, default_value_t = 1_000_000)]
    tasks: u64,
    #[command(flatten)]
    wrk: wrk::Args,
    /// Seconds of each accept measurement.
    #[arg(long, default_value_t = 5)]
    accept_secs: u64,
    /// Longest wrk run while driving the tasks; the engine settles between runs.
    #[arg(long, default_value_t = 30)]
    batch_secs: u64,
    /// Sequential requests per read latency measurement.
    #[arg(long, default_value_t = 200)]
    reads: usize,
    #[arg(long, default_value_t = 50)]
    step_ms: u64,
    /// Record `perf record -F 999` of the server during a second accept run after load.
    #[arg(long)]
    perf: Option<PathBuf>,
}

/// The accept workload: the targets file and where each wrk thread stands in its slice.
struct Driver {
    script: PathBuf,
    targets: PathBuf,
    offsets: String,
    http: reqwest::Client,
    services: usize,
    /// The last run's accepts per second.
    rate: f64,
}

impl Driver {
    /// One wrk run of accepts, then until every task finished; prints the result.
    async fn accept(&mut self, server: &Server, load: Load, label: &str) -> Result<u64> {
        let load = wrk::one_pass(load, self.services, self.rate);
        let cpu = server.cpu()?;
        let out = wrk::accept(
            &self.script,
            &server.base,
            &server.token,
            &self.targets,
            &self.offsets,
            load,
        )
        .await?;
        let cpu = server.cpu()? - cpu;
        self.offsets = out.offsets.clone();
        self.rate = out.rate();
        let settle = server.wait_idle(&self.http).await?;
        println!(
            "  {label}: {}; server CPU {:.0} µs/accept; settled in {:.2} s",
            out.summary("accepted"),
            cpu.as_secs_f64() * 1e6 / out.requests.max(1) as f64,
            settle.as_secs_f64()
        );
        Ok(out.requests)
    }
}

pub async fn run(o: Options) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let shape = Shape::fleet(o.resources, o.step_ms);
    let t = Instant::now();
    let (config, data) = real::write_config(dir.path(), &shape, &o.wrk.log)?;
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, inventory::targets(&shape))?;
    let (script, _) = wrk::scripts(dir.path())?;
    println!(
        "scale: {} resources = {} services in shallow DAGs ({} per cluster), a chain of {}, {} servers; config {:.1} MiB generated in {:.2} s",
        shape.resources(),
        shape.services,
        inventory::PER_CLUSTER,
        shape.chain,
        shape.servers,
        std::fs::metadata(&config)?.len() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    println!(
        "  server {}, steps of {} ms, no jitter, synchronous=full, log={}; wrk -t{} -c{}",
        real::binary()?.display(),
        o.step_ms,
        o.wrk.log,
        o.wrk.threads,
        o.wrk.connections
    );
    let mut driver = Driver {
        script,
        targets,
        offsets: String::new(),
        http: reqwest::Client::new(),
        services: shape.services,
        rate: 1.0,
    };
    let log = dir.path().join("server.log");
    let server = Server::start(&config, &log).await?;
    println!("fresh start:");
    // A 1 s warm-up estimates the rate, which bounds every run to one pass over the services.
    let warm = Load {
        duration: Duration::from_secs(1),
        ..o.wrk.load(o.accept_secs)
    };
    driver.accept(&server, warm, "warm-up").await?;
    report(&o, &server, &mut driver, true, None).await?;

    println!("driving {} start/stop tasks:", o.tasks);
    let started = Instant::now();
    let mut done = 0u64;
    while done < o.tasks {
        let left = (o.tasks - done) as f64 / driver.rate;
        let load = Load {
            duration: Duration::from_secs((left as u64).clamp(1, o.batch_secs)),
            ..o.wrk.load(o.accept_secs)
        };
        done += driver
            .accept(&server, load, &format!("{done:>8} +"))
            .await?;
    }
    println!(
        "  {done} tasks in {:.1} s ({:.0}/s including settling)",
        started.elapsed().as_secs_f64(),
        done as f64 / started.elapsed().as_secs_f64()
    );
    println!("after load:");
    report(&o, &server, &mut driver, false, o.perf.as_deref()).await?;
    sizes(&data)?;
    server.kill()?;

    println!("restart with history (after kill -9):");
    let server = Server::start(&config, &log).await?;
    let (rss, hwm) = server.memory_mib()?;
    println!(
        "  cold start {:.2} s (spawn to /ready 200); RSS {rss:.0} MiB (peak {hwm:.0} MiB)",
        server.cold_start.as_secs_f64()
    );
    reads(&o, &server, &driver.http).await?;
    sizes(&data)?;
    server.kill()
}

/// Cold start (when `fresh`), memory, read latency and an accept run.
async fn report(
    o: &Options,
    server: &Server,
    driver: &mut Driver,
    fresh: bool,
    perf: Option<&Path>,
) -> Result<()> {
    let (rss, hwm) = server.memory_mib()?;
    if fresh {
        println!(
            "  cold start {:.2} s (spawn to /ready 200)",
            server.cold_start.as_secs_f64()
        );
    }
    println!("  RSS {rss:.0} MiB (peak {hwm:.0} MiB)");
    reads(o, server, &driver.http).await?;
    let load = Load {
        duration: Duration::from_secs(o.accept_secs),
        ..o.wrk.load(o.accept_secs)
    };
    driver.accept(server, load, "accept").await?;
    if let Some(path) = perf {
        // A second run under perf, so the profile does not slow the number above.
        let mut recorder = tokio::process::Command::new("perf")
            .args(["record", "-F", "999", "-p", &server.pid.to_string(), "-o"])
            .arg(path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        driver.accept(server, load, "accept under perf").await?;
        if let Some(pid) = recorder.id() {
            let pid = nix::unistd::Pid::from_raw(pid as i32);
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT)?;
        }
        recorder.wait().await?;
        println!(
            "  perf profile of that run (and its settling): {}",
            path.display()
        );
    }
    let (rss, hwm) = server.memory_mib()?;
    println!("  RSS after the accept run {rss:.0} MiB (peak {hwm:.0} MiB)");
    Ok(())
}

/// Latency of sequential reads: an MRS service, a Nova server, the newest 50 tasks.
async fn reads(o: &Options, server: &Server, http: &reqwest::Client) -> Result<()> {
    let paths = [
        (
            "MRS service read",
            "/web/v1/cluster/1/services/s150".to_string(),
        ),
        (
            "Nova server show",
            format!(
                "/v2.1/{}/servers/{}",
                inventory::PROJECT_ID,
                inventory::server_id(7)
            ),
        ),
        (
            "tasks?limit=50",
            "/switchboard/v1/tasks?limit=50".to_string(),
        ),
    ];
    for (name, path) in paths {
        let mut us = Vec::with_capacity(o.reads);
        for _ in 0..o.reads {
            let t = Instant::now();
            let (status, body) = server.get(http, &path).await?;
            us.push(t.elapsed().as_micros() as u64);
            anyhow::ensure!(status == 200, "{path}: {status} {body}");
        }
        us.sort_unstable();
        println!(
            "  {name:17} {} sequential reads: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            o.reads,
            crate::harness::quantile_ms(&us, 0.5),
            crate::harness::quantile_ms(&us, 0.99),
            crate::harness::quantile_ms(&us, 1.0)
        );
    }
    Ok(())
}

/// On-disk sizes of the data dir: database, WAL, the sim world's action log.
fn sizes(data: &Path) -> Result<()> {
    let mib = |p: PathBuf| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    println!(
        "  on disk: switchboard.db {:.1} MiB, switchboard.db-wal {:.1} MiB, sim/actions.jsonl {:.1} MiB",
        mib(data.join("switchboard.db")),
        mib(data.join("switchboard.db-wal")),
        mib(data.join("sim").join("actions.jsonl"))
    );
    Ok(())
}
