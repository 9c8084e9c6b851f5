//! The Switchboard server as a library: configuration loading and the `serve` wiring, shared by
//! the binary, the integration tests and the benchmarks.

pub mod assemble;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod data_dir;
pub mod http_server;
pub mod member;
pub mod metrics;
pub mod replica;
pub mod serve;
pub mod startup;

pub use config::{Config, Overrides};
