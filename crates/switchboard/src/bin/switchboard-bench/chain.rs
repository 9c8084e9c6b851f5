//! Long dependency chains: for each length, start the last service of a chain with its
//! dependencies and print how long the start took to be accepted (the HTTP answer) and the
//! completion time against the critical path (one step per service).

use crate::harness;
use anyhow::{bail, Result};
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_core::inventory::ServiceSpec;
use switchboard_core::{Lifecycle, TaskState};

/// Chain lengths measured, shortest first.
pub const LENGTHS: [usize; 5] = [125, 250, 500, 1_000, 2_000];

/// Service `c{len}-{i}` depends on `c{len}-{i-1}`.
fn chain(len: usize, step_ms: u64) -> impl Iterator<Item = ServiceSpec> {
    (0..len).map(move |i| ServiceSpec {
        name: format!("c{len}-{i}"),
        depends_on: (i > 0)
            .then(|| format!("c{len}-{}", i - 1))
            .into_iter()
            .collect(),
        state: Lifecycle::Stopped,
        driver: "sim".into(),
        config: json!({"start": format!("{step_ms}ms"), "stop": format!("{step_ms}ms")}),
    })
}

pub async fn run(lengths: &[usize], step_ms: u64) -> Result<()> {
    // One chain per length (names are per length).
    let mut lengths = lengths.to_vec();
    lengths.sort_unstable();
    lengths.dedup();
    lengths.retain(|&n| n > 0);
    let bench = harness::start(lengths.iter().flat_map(|&n| chain(n, step_ms)).collect()).await?;
    println!("chain: one start with dependencies per chain, steps of {step_ms} ms, no jitter");
    println!(
        "{:>7} {:>11} {:>13} {:>10} {:>7}",
        "steps", "accept ms", "critical s", "wall s", "ratio"
    );
    for &n in &lengths {
        let started = Instant::now();
        let reply = bench
            .client
            .service_action("1", &format!("c{n}-{}", n - 1), "start", true)
            .await?;
        let accepted = started.elapsed();
        let Some(id) = reply.task_id else {
            bail!("start answered no command id: {}", reply.body);
        };
        match bench
            .state
            .engine
            .wait(id, Duration::from_secs(3_600))
            .await?
        {
            Some(TaskState::Complete) => {}
            other => bail!("command {id} ended {other:?}"),
        }
        let wall = started.elapsed();
        let ideal = Duration::from_millis(step_ms * n as u64);
        println!(
            "{n:>7} {:>11.1} {:>13.3} {:>10.3} {:>7.3}",
            accepted.as_secs_f64() * 1e3,
            ideal.as_secs_f64(),
            wall.as_secs_f64(),
            wall.as_secs_f64() / ideal.as_secs_f64()
        );
    }
    println!("targets: 2,000 steps accepted in <= 20 ms, ratio <= 1.05");
    Ok(())
}
