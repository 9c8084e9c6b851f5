//! Accept throughput against the real release binary with an external load generator: wrk
//! issues start, then stop, on distinct services over keep-alive connections with a token, as a
//! real client does; every accept is durable (`synchronous = full`, fsynced) before its answer.

use crate::inventory::Shape;
use crate::real::{self, Server};
use crate::wrk::{self, Load};
use anyhow::Result;
use std::time::Duration;

pub struct Options {
    pub services: usize,
    pub load: Load,
    pub runs: usize,
    pub step_ms: u64,
    pub log: String,
}

pub async fn run(o: Options) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let shape = Shape {
        services: o.services,
        dag: false,
        chain: 0,
        servers: 0,
        step_ms: o.step_ms,
    };
    let (config, _) = real::write_config(dir.path(), &shape, &o.log)?;
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, crate::inventory::targets(&shape))?;
    let (script, _) = wrk::scripts(dir.path())?;
    let server = Server::start(&config, &dir.path().join("server.log")).await?;
    let http = reqwest::Client::new();
    println!(
        "accept-wrk: {} ({}), {} independent sim services, steps of {} ms, no jitter, synchronous=full, log={}",
        real::binary()?.display(),
        server.base,
        o.services,
        o.step_ms,
        o.log
    );
    println!(
        "  wrk -t{} -c{} -d{}s (at most one pass) -s scripts/bench/accept.lua: start, then stop, on each thread's slice of services",
        o.load.threads,
        o.load.connections,
        o.load.duration.as_secs()
    );
    // A 1 s warm-up estimates the rate, which bounds the runs to one pass over the services.
    let warm = Load {
        duration: Duration::from_secs(1),
        ..o.load
    };
    let out = wrk::accept(&script, &server.base, &server.token, &targets, "", warm).await?;
    let mut offsets = out.offsets.clone();
    let mut rate = out.rate();
    server.wait_idle(&http).await?;
    println!("  warm-up: {}", out.summary("accepted"));
    for run in 1..=o.runs {
        let cpu = server.cpu()?;
        let load = wrk::one_pass(o.load, o.services, rate);
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
