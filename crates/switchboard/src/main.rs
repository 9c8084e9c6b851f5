//! The `switchboard` binary.

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard::{cli, config, serve};

// glibc's malloc was a fifth of the server's CPU under load, and fragmented with uptime: jemalloc
// (the default) or mimalloc, measured in the README's Benchmarks ("Allocator").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A lifecycle control plane speaking the cloud operations APIs",
    long_about = "A lifecycle control plane speaking the cloud operations APIs.\n\n\
        `serve` runs the server; the other commands are its client: `login` once, then \
        `service start HDFS --with-deps --wait`, `task watch ID`, `resource list`, …",
    after_help = cli::exit::HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: cli::Global,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the built-in demo inventory when no --config is given).
    Serve {
        /// TOML configuration file.
        #[arg(long, env = "SWITCHBOARD_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Directory for the database and the simulated world.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Divide every simulated duration by this.
        #[arg(long)]
        sim_speed: Option<f64>,
        /// URL clients reach this server at (for the service catalog).
        #[arg(long)]
        public_url: Option<String>,
        /// Log lines as `text` (default) or `json` (one object per line, for log shippers).
        #[arg(long, value_enum)]
        log_format: Option<config::LogFormat>,
        /// Serve Prometheus `/metrics` on this address of its own, without authentication.
        #[arg(long)]
        metrics_listen: Option<SocketAddr>,
        /// Start from this state snapshot (applied once, before serving).
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
        /// Keep the state in this PostgreSQL database (`postgres://…`) instead of the data
        /// directory's SQLite file (also `SWITCHBOARD_DATABASE_URL`, `[store] database_url`).
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Check a configuration file (inventory, dependencies, settings) and exit.
    Check {
        #[arg(long, env = "SWITCHBOARD_CONFIG")]
        config: Option<PathBuf>,
    },
    #[command(flatten)]
    Client(cli::Command),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            config,
            listen,
            data_dir,
            sim_speed,
            public_url,
            log_format,
            metrics_listen,
            snapshot,
            database_url,
        } => {
            let overrides = config::Overrides {
                listen,
                data_dir,
                sim_speed,
                public_url,
                log_format,
                metrics_listen,
                snapshot,
                database_url,
            };
            let config = config::Config::load(config.as_deref(), &overrides)?;
            init_tracing(&config.log, config.log_format);
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(serve::run(config))
        }
        Command::Check { config } => {
            let config = config::Config::load(config.as_deref(), &config::Overrides::default())?;
            println!(
                "configuration is valid: {} resources",
                config.inventory().resources()?.len()
            );
            Ok(())
        }
        Command::Client(command) => {
            std::process::exit(cli::run(cli.global, command, Cli::command()))
        }
    }
}

/// Logs to stderr at `RUST_LOG`'s level, else the configured one; as text or JSON lines.
fn init_tracing(default: &str, format: config::LogFormat) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        // One flat object per line: the event's fields next to timestamp, level and target.
        config::LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}
