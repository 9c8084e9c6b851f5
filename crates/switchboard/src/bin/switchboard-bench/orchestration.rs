//! Orchestration efficiency: wall time of starting every sink of a random DAG (with its
//! dependencies) against the DAG's critical path.

use crate::harness::{self, service};
use anyhow::{bail, Result};
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};
use switchboard_core::TaskState;

/// Node i depends on up to three random earlier nodes, so the graph is acyclic.
fn random_dag(n: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let mut deps: Vec<usize> = if i == 0 {
                vec![]
            } else {
                (0..rng.gen_range(0..=3))
                    .map(|_| rng.gen_range(0..i))
                    .collect()
            };
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

/// Longest chain of steps (each one step long).
fn critical_path(deps: &[Vec<usize>]) -> usize {
    let mut depth = vec![0usize; deps.len()];
    for i in 0..deps.len() {
        depth[i] = 1 + deps[i].iter().map(|&d| depth[d]).max().unwrap_or(0);
    }
    depth.into_iter().max().unwrap_or(0)
}

pub async fn run(n: usize, step_ms: u64, seed: u64) -> Result<()> {
    let deps = random_dag(n, seed);
    let sinks: Vec<usize> = (0..n)
        .filter(|&i| !deps.iter().any(|d| d.contains(&i)))
        .collect();
    let depth = critical_path(&deps);
    let bench = harness::start(
        deps.iter()
            .enumerate()
            .map(|(i, d)| service(i, d, step_ms))
            .collect(),
    )
    .await?;
    // One warmed-up keep-alive connection per request, as in `accept`: the wall time is the
    // orchestration's, not TCP handshakes' and first token look-ups'.
    let warm = sinks.iter().map(|_| {
        let client = bench.client.clone();
        async move { Ok(client.get("/switchboard/v1/session").await.map(|_| 0)?) }
    });
    futures_join(warm).await?;
    let started = Instant::now();
    let t0 = switchboard_core::now_millis();
    let requests = sinks.iter().map(|&s| {
        let client = bench.client.clone();
        async move {
            let started = client
                .service_action("1", &format!("s{s}"), "start", true)
                .await?;
            let id = started
                .task_id
                .ok_or_else(|| anyhow::anyhow!("start answered no command id: {}", started.body))?;
            Ok::<_, anyhow::Error>((id, switchboard_core::now_millis()))
        }
    });
    let answered = futures::future::try_join_all(requests).await?;
    let ids: Vec<i64> = answered.iter().map(|a| a.0).collect();
    // Every task awaited at once: the end is the last one's, not a walk of reads after it.
    let ends = ids.iter().map(|&id| {
        let engine = &bench.state.engine;
        async move {
            match engine.wait(id, Duration::from_secs(600)).await? {
                Some(TaskState::Complete) => Ok(()),
                other => bail!("command {id} ended {other:?}"),
            }
        }
    });
    futures::future::try_join_all(ends).await?;
    let wall = started.elapsed();
    let t_end = switchboard_core::now_millis();
    let first_answer = answered.iter().map(|a| a.1).min().unwrap_or(t0) - t0;
    let last_answer = answered.iter().map(|a| a.1).max().unwrap_or(t0) - t0;
    let ideal = Duration::from_millis(step_ms * depth as u64);
    let running = bench
        .state
        .engine
        .resources()
        .iter()
        .filter(|r| r.state == switchboard_core::Lifecycle::Running)
        .count();
    println!(
        "orchestration: {n} services, {} sinks, {} edges, seed {seed}, steps of {step_ms} ms",
        sinks.len(),
        deps.iter().map(Vec::len).sum::<usize>()
    );
    println!("  services running at the end: {running}/{n}");
    println!(
        "  critical path: {depth} steps = {:.3} s",
        ideal.as_secs_f64()
    );
    println!("  wall time:     {:.3} s", wall.as_secs_f64());
    println!(
        "  ratio:         {:.3} (target <= 1.01)",
        wall.as_secs_f64() / ideal.as_secs_f64()
    );
    println!("  accepted:      first answer {first_answer} ms, last {last_answer} ms");
    let spans = crate::lag::spans(&bench.state.engine, &ids).await?;
    crate::lag::report(&deps, &spans, step_ms, t0, t_end);
    Ok(())
}

async fn futures_join<F: std::future::Future<Output = Result<i64>>>(
    futs: impl Iterator<Item = F>,
) -> Result<Vec<i64>> {
    let handles: Vec<F> = futs.collect();
    let mut out = Vec::with_capacity(handles.len());
    for r in futures::future::join_all(handles).await {
        out.push(r?);
    }
    Ok(out)
}
