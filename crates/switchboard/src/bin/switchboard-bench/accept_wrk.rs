//! Accept throughput against the real release binary with an external load generator: wrk
//! issues start, then stop, on distinct services over keep-alive connections with a token, as a
//! real client does; every accept is durable (`synchronous = full`, fsynced) before its answer.

use crate::inventory::Shape;
use crate::real::{self, Server};
use crate::standbys;
use crate::wrk::{self, Load};
use anyhow::Result;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 20_000)]
    services: usize,
    #[command(flatten)]
    wrk: wrk::Args,
    /// Seconds of each wrk run (at most one pass over the services).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 50)]
    step_ms: u64,
    /// Replicas on the PostgreSQL database `SWITCHBOARD_DATABASE_URL` names: the leader and
    /// standbys that pass their share of the load on to it.
    #[arg(long, default_value_t = 1)]
    replicas: usize,
}

pub async fn run(o: Options) -> Result<()> {
    let load = o.wrk.load(o.duration);
    let dir = tempfile::tempdir()?;
    let shape = Shape {
        services: o.services,
        dag: false,
        chain: 0,
        servers: 0,
        step_ms: o.step_ms,
    };
    let (config, _) = real::write_config(dir.path(), &shape, &o.wrk.log)?;
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, crate::inventory::targets(&shape))?;
    let (script, _) = wrk::scripts(dir.path())?;
    if o.replicas > 1 && std::env::var_os("SWITCHBOARD_DATABASE_URL").is_none() {
        anyhow::bail!(
            "--replicas needs SWITCHBOARD_DATABASE_URL (replicas share a PostgreSQL database)"
        );
    }
    let server = Server::start(&config, &dir.path().join("server.log")).await?;
    if o.replicas > 1 {
        return spread(&o, &server, &config, dir.path(), &targets, &script).await;
    }
    let http = reqwest::Client::new();
    println!(
        "accept-wrk: {} ({}), {} independent sim services, steps of {} ms, no jitter, synchronous=full, log={}",
        real::binary()?.display(),
        server.base,
        o.services,
        o.step_ms,
        o.wrk.log
    );
    println!(
        "  wrk -t{} -c{} -d{}s (at most one pass) -s scripts/bench/accept.lua: start, then stop, on each thread's slice of services",
        load.threads,
        load.connections,
        load.duration.as_secs()
    );
    // A 1 s warm-up estimates the rate, which bounds the runs to one pass over the services.
    let warm = Load {
        duration: Duration::from_secs(1),
        ..load
    };
    let out = wrk::accept(&script, &server.base, &server.token, &targets, "", warm).await?;
    let mut offsets = out.offsets.clone();
    let mut rate = out.rate();
    server.wait_idle(&http).await?;
    println!("  warm-up: {}", out.summary("accepted"));
    for run in 1..=o.runs {
        let cpu = server.cpu()?;
        let load = wrk::one_pass(load, o.services, rate);
        let out = wrk::accept(
            &script,
            &server.base,
            &server.token,
            &targets,
            &offsets,
            load,
        )
        .await?;
        rate = out.rate();
        let cpu = server.cpu()? - cpu;
        offsets = out.offsets.clone();
        let settle = server.wait_idle(&http).await?;
        println!(
            "  run {run}: {}; server CPU {:.0} µs per accept; tasks settled {:.2} s after",
            out.summary("accepted"),
            cpu.as_secs_f64() * 1e6 / out.requests as f64,
            settle.as_secs_f64()
        );
    }
    let (rss, hwm) = server.memory_mib()?;
    println!("  server RSS {rss:.0} MiB (peak {hwm:.0} MiB)");
    server.kill()
}

/// The runs with the load spread over the leader and its standbys.
async fn spread(
    o: &Options,
    server: &Server,
    config: &std::path::Path,
    dir: &std::path::Path,
    targets: &std::path::Path,
    script: &std::path::Path,
) -> Result<()> {
    let standbys = standbys::start(config, dir, o.replicas - 1).await?;
    let bases: Vec<String> = std::iter::once(server.base.clone())
        .chain(standbys.iter().map(|s| s.base.clone()))
        .collect();
    let slices = standbys::split_targets(targets, o.replicas)?;
    let http = reqwest::Client::new();
    println!(
        "accept-wrk: {} replicas on PostgreSQL, {} services, one wrk per replica on its slice, {} connections in all",
        o.replicas, o.services, o.wrk.connections
    );
    let load = o.wrk.load(o.duration);
    let mut offsets = vec![String::new(); o.replicas];
    let warm = Load {
        duration: Duration::from_secs(1),
        ..load
    };
    let run = |offsets: Vec<String>, load: Load| {
        let (bases, slices) = (&bases, &slices);
        async move {
            standbys::accept_spread(script, bases, &server.token, slices, &offsets, load).await
        }
    };
    let out = run(offsets.clone(), warm).await?;
    let mut rate: f64 = out.iter().map(|o| o.rate()).sum();
    server.wait_idle(&http).await?;
    println!("  warm-up: {}", standbys::summary(&out));
    for (k, o) in out.iter().enumerate() {
        offsets[k] = o.offsets.clone();
    }
    for n in 1..=o.runs {
        let load = wrk::one_pass(load, o.services, rate);
        let out = run(offsets.clone(), load).await?;
        rate = out.iter().map(|o| o.rate()).sum();
        for (k, o) in out.iter().enumerate() {
            offsets[k] = o.offsets.clone();
        }
        server.wait_idle(&http).await?;
        println!("  run {n}: {}", standbys::summary(&out));
    }
    drop(standbys);
    Ok(())
}
