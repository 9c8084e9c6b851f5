//! Benchmarks that print numbers (not timed tests). See the README's Benchmarks section.
//!
//!   switchboard-bench orchestration [--services 200] [--step-ms 100] [--seed 7]
//!   switchboard-bench chain [--step-ms 5] [--lengths 125,250,500,1000,2000]
//!   switchboard-bench accept [--connections 64] [--per-connection 40]
//!   switchboard-bench fuzz-signing [--cases 5000000] [--seed 1]
//!   switchboard-bench accept-wrk [--services 20000] [--duration 10] [--runs 3] [--replicas 1]
//!   switchboard-bench reads [--duration 5] [--rounds 2]
//!   switchboard-bench scale [--resources 100000] [--tasks 1000000]
//!   switchboard-bench inventory [--resources 100000]   (the scale inventory's TOML)
//!   switchboard-bench hello [--listen 127.0.0.1:8099]   (the bare axum hello-world)
//!   switchboard-bench actions [--actions 20000]   (a server's instance actions as history grows)
//!   switchboard-bench takeover --database-url postgres://… [--kills 20] [--executor standby]
//!     [--lease 10s] [--services exec|sim]   (replicas, kill -9 of the replica running a command)

mod accept;
mod accept_wrk;
mod actions;
mod chain;
mod fuzz_signing;
mod harness;
mod hello;
mod inventory;
mod lag;
mod orchestration;
mod reads;
mod real;
mod scale;
mod standbys;
mod takeover;
mod takeover_standby;
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
    /// Start the end of chains of 125 to 2,000 services; accept latency and wall ÷ critical path.
    Chain {
        #[arg(long, default_value_t = 5)]
        step_ms: u64,
        #[arg(long, value_delimiter = ',', default_values_t = chain::LENGTHS)]
        lengths: Vec<usize>,
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
    AcceptWrk(accept_wrk::Options),
    /// Requests/s of MRS read, Nova show and a task list as ratios to a bare axum hello-world.
    Reads(reads::Options),
    /// Cold start, RSS, reads and accepts on a fleet-sized inventory, before and after driving
    /// `--tasks` start/stop tasks, and after a restart on the same data dir.
    Scale(scale::Options),
    /// Print the scale benchmark's inventory as a configuration file.
    Inventory(inventory::Options),
    /// Serve the bare axum hello-world (`GET /`) until killed.
    Hello(hello::Options),
    /// A server's instance actions (a page, the next page, one action) as its history grows.
    Actions(actions::Options),
    /// Two PostgreSQL replicas: time from `kill -9` of the leader mid-command to the standby
    /// serving and to the command finished, over `--kills` rounds.
    Takeover(takeover::Options),
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
        Bench::Chain { step_ms, lengths } => runtime()?.block_on(chain::run(&lengths, step_ms)),
        Bench::Accept {
            connections,
            per_connection,
        } => runtime()?.block_on(accept::run(connections, per_connection)),
        Bench::FuzzSigning { cases, seed } => fuzz_signing::run(cases, seed),
        Bench::AcceptWrk(o) => runtime()?.block_on(accept_wrk::run(o)),
        Bench::Reads(o) => runtime()?.block_on(reads::run(o)),
        Bench::Scale(o) => runtime()?.block_on(scale::run(o)),
        Bench::Inventory(o) => {
            inventory::print(o);
            Ok(())
        }
        Bench::Hello(o) => runtime()?.block_on(hello::serve(o)),
        Bench::Actions(o) => runtime()?.block_on(actions::run(o)),
        Bench::Takeover(o) => runtime()?.block_on(takeover::run(o)),
    }
}
