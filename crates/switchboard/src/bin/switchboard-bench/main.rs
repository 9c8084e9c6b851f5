//! Benchmarks that print numbers (not timed tests). See the README's Benchmarks section.
//!
//!   switchboard-bench orchestration [--services 200] [--step-ms 100] [--seed 7]
//!   switchboard-bench accept [--connections 64] [--per-connection 40]
//!   switchboard-bench fuzz-signing [--cases 5000000] [--seed 1]
//!   switchboard-bench accept-wrk [--services 20000] [--duration 10] [--runs 3]
//!   switchboard-bench reads [--duration 5] [--rounds 2]
//!   switchboard-bench scale [--resources 100000] [--tasks 1000000]
//!   switchboard-bench inventory [--resources 100000]   (the scale inventory's TOML)
//!   switchboard-bench hello [--listen 127.0.0.1:8099]   (the bare axum hello-world)

mod accept;
mod accept_wrk;
mod fuzz_signing;
mod harness;
mod hello;
mod inventory;
mod orchestration;
mod reads;
mod real;
mod scale;
mod wrk;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "switchboard-bench")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Start the sinks of a random DAG with their dependencies; compare wall time to the critical path.
    Orchestration {
        #[arg(long, default_value_t = 200)]
        services: usize,
        #[arg(long, default_value_t = 100)]
        step_ms: u64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Concurrent clients issuing start/stop on distinct services through HTTP.
    Accept {
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 40)]
        per_connection: usize,
    },
    /// Random paths, queries and headers through the AK/SK canonicalisation: no panic, and
    /// its invariants hold.
    FuzzSigning {
        #[arg(long, default_value_t = 5_000_000)]
        cases: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Accept throughput of the real release binary under wrk (scripts/bench/accept.lua).
    AcceptWrk {
        #[arg(long, default_value_t = 20_000)]
        services: usize,
        #[command(flatten)]
        wrk: WrkArgs,
        /// Seconds of each wrk run.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 50)]
        step_ms: u64,
    },
    /// Requests/s of MRS read, Nova show and a task list as ratios to a bare axum hello-world.
    Reads {
        #[command(flatten)]
        wrk: WrkArgs,
        /// Seconds of each wrk run.
        #[arg(long, default_value_t = 5)]
        duration: u64,
        #[arg(long, default_value_t = 2)]
        rounds: usize,
    },
    /// Cold start, RSS, reads and accepts on a fleet-sized inventory, before and after driving
    /// `--tasks` start/stop tasks, and after a restart on the same data dir.
    Scale {
        #[arg(long, default_value_t = 100_000)]
        resources: usize,
        #[arg(long, default_value_t = 1_000_000)]
        tasks: u64,
        #[command(flatten)]
        wrk: WrkArgs,
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
        /// Record `perf record -F 999` of the server during the accept run after load.
        #[arg(long)]
        perf: Option<std::path::PathBuf>,
    },
    /// Print the scale benchmark's inventory as a configuration file.
    Inventory {
        #[arg(long, default_value_t = 100_000)]
        resources: usize,
        #[arg(long, default_value_t = 50)]
        step_ms: u64,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long, default_value = "./switchboard-data")]
        data_dir: std::path::PathBuf,
    },
    /// Serve the bare axum hello-world (`GET /`) until killed.
    Hello {
        #[arg(long, default_value = "127.0.0.1:8099")]
        listen: std::net::SocketAddr,
    },
}

/// wrk's load and the server's log level.
#[derive(clap::Args)]
struct WrkArgs {
    #[arg(long, default_value_t = 64)]
    connections: usize,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// The server's log filter (`info` writes a line per request to its log file).
    #[arg(long, default_value = "warn")]
    log: String,
}

impl WrkArgs {
    fn load(&self, secs: u64) -> wrk::Load {
        wrk::Load {
            connections: self.connections,
            threads: self.threads,
            duration: std::time::Duration::from_secs(secs),
        }
    }
}

fn main() -> Result<()> {
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    match Cli::parse().bench {
        Bench::Orchestration {
            services,
            step_ms,
            seed,
        } => runtime()?.block_on(orchestration::run(services, step_ms, seed)),
        Bench::Accept {
            connections,
            per_connection,
        } => runtime()?.block_on(accept::run(connections, per_connection)),
        Bench::FuzzSigning { cases, seed } => fuzz_signing::run(cases, seed),
        Bench::AcceptWrk {
            services,
            wrk,
            duration,
            runs,
            step_ms,
        } => runtime()?.block_on(accept_wrk::run(accept_wrk::Options {
            services,
            load: wrk.load(duration),
            runs,
            step_ms,
            log: wrk.log,
        })),
        Bench::Reads {
            wrk,
            duration,
            rounds,
        } => runtime()?.block_on(reads::run(reads::Options {
            load: wrk.load(duration),
            rounds,
            log: wrk.log,
        })),
        Bench::Scale {
            resources,
            tasks,
            wrk,
            accept_secs,
            batch_secs,
            reads,
            step_ms,
            perf,
        } => runtime()?.block_on(scale::run(scale::Options {
            resources,
            tasks,
            load: wrk.load(accept_secs),
            accept_secs,
            batch_secs,
            reads,
            step_ms,
            log: wrk.log,
            perf,
        })),
        Bench::Inventory {
            resources,
            step_ms,
            listen,
            data_dir,
        } => {
            let shape = inventory::Shape::fleet(resources, step_ms);
            print!("{}", inventory::toml(&shape, &listen, &data_dir, "info"));
            Ok(())
        }
        Bench::Hello { listen } => runtime()?.block_on(hello::serve(listen)),
    }
}
