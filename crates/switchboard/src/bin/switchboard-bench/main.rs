//! Benchmarks that print numbers (not timed tests). See the README's Benchmarks section.
//!
//!   switchboard-bench orchestration [--services 200] [--step-ms 100] [--seed 7]
//!   switchboard-bench chain [--step-ms 5] [--lengths 125,250,500,1000,2000]
//!   switchboard-bench accept [--connections 64] [--per-connection 40]
//!   switchboard-bench fuzz-signing [--cases 5000000] [--seed 1]

mod accept;
mod chain;
mod fuzz_signing;
mod harness;
mod orchestration;

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
    }
}
