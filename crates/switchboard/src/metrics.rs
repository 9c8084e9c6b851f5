//! The Prometheus recorder: installed once per process (the `metrics` facade has one global
//! recorder), with histogram buckets for the series the crates record, the process collector
//! (RSS, open file descriptors, CPU) refreshed at each scrape, and the upkeep that folds
//! recorded samples into the histograms so that memory stays flat between scrapes.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use switchboard_api::metrics::Exposition;

/// Latency buckets, in seconds (1 ms to 60 s).
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Group sizes of the store's writer (at most 512 answers and all queued background work).
const GROUP: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0, 16384.0,
];
/// How often recorded samples are folded into the histograms.
const UPKEEP: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The exposition of the process's recorder, installing it on first use (inside a Tokio
/// runtime: the upkeep runs on it). `None` when another recorder was installed first.
pub fn exposition() -> Option<Exposition> {
    let handle = HANDLE.get_or_init(install).clone()?;
    let process = metrics_process::Collector::default();
    Some(Exposition::new(move || {
        process.collect();
        handle.render()
    }))
}

fn install() -> Option<PrometheusHandle> {
    // No idle timeout: the API keeps its request series' handles per thread (see its metrics).
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
        .and_then(|b| {
            b.set_buckets_for_metric(
                Matcher::Full("switchboard_store_commit_group_size".into()),
                GROUP,
            )
        });
    let handle = match builder.and_then(PrometheusBuilder::install_recorder) {
        Ok(h) => h,
        Err(err) => {
            tracing::warn!(%err, "metrics recorder not installed");
            return None;
        }
    };
    switchboard_api::metrics::describe();
    switchboard_engine::metrics::describe();
    switchboard_store::metrics::describe();
    crate::http_server::describe_pass_on();
    crate::member::describe();
    metrics_process::Collector::default().describe();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Some(handle)
}
