//! The `switchboard` binary.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard::{config, serve};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A lifecycle control plane speaking the cloud operations APIs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    },
    /// Check a configuration file (inventory, dependencies, settings) and exit.
    Check {
        #[arg(long, env = "SWITCHBOARD_CONFIG")]
        config: Option<PathBuf>,
    },
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
        } => {
            let overrides = config::Overrides {
                listen,
                data_dir,
                sim_speed,
                public_url,
            };
            let config = config::Config::load(config.as_deref(), &overrides)?;
            init_tracing(&config.log);
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
    }
}

fn init_tracing(default: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}
