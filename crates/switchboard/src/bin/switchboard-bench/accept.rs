//! Accept throughput: concurrent clients issue start and then stop on distinct services through
//! HTTP; every accept is durable (fsynced) before its answer.

use crate::harness::{self, quantile_ms, service};
use anyhow::{bail, Result};
use serde_json::json;
use std::time::{Duration, Instant};

pub async fn run(connections: usize, per_connection: usize) -> Result<()> {
    let n = connections * per_connection;
    let bench = harness::start((0..n).map(|i| service(i, &[], 50)).collect()).await?;
    println!("accept: {connections} connections (each warmed up by one request), {n} services, sim steps of 50 ms, store synchronous=full");
    let mut all_latencies = Vec::new();
    let mut total_ops = 0;
    let mut total_time = Duration::ZERO;
    for op in ["start", "stop"] {
        // Every client opens its connection and warms the token cache first; the clock starts
        // when all of them are ready, so the numbers are steady-state accepts.
        let ready = std::sync::Arc::new(tokio::sync::Barrier::new(connections + 1));
        let clients = (0..connections).map(|c| {
            // One client (one keep-alive connection) per simulated user.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let (base, token, ready) = (bench.base.clone(), bench.token.clone(), ready.clone());
            tokio::spawn(async move {
                client
                    .get(format!("{base}/web/v1/clusters"))
                    .header("X-Auth-Token", &token)
                    .send()
                    .await?
                    .bytes()
                    .await?;
                ready.wait().await;
                let mut latencies = Vec::with_capacity(per_connection);
                for i in 0..per_connection {
                    let svc = c * per_connection + i;
                    let t = Instant::now();
                    let r = client
                        .post(format!(
                            "{base}/web/v1/maintain/cluster/1/service/s{svc}/{op}"
                        ))
                        .header("X-Auth-Token", &token)
                        .json(&json!({"only_self": true}))
                        .send()
                        .await?;
                    let status = r.status();
                    let body = r.bytes().await?;
                    latencies.push(t.elapsed().as_micros() as u64);
                    if status != 200 {
                        bail!("{op} s{svc}: {status} {}", String::from_utf8_lossy(&body));
                    }
                }
                Ok::<_, anyhow::Error>(latencies)
            })
        });
        let clients = clients.collect::<Vec<_>>();
        ready.wait().await;
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(n);
        for handle in futures::future::join_all(clients).await {
            latencies.extend(handle??);
        }
        let elapsed = started.elapsed();
        latencies.sort_unstable();
        println!(
            "  {op:5}: {n} accepted in {:.3} s = {:.0} ops/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64(),
            quantile_ms(&latencies, 0.50),
            quantile_ms(&latencies, 0.99),
            quantile_ms(&latencies, 1.0),
        );
        total_ops += n;
        total_time += elapsed;
        all_latencies.extend(latencies);
        // Let every task of this phase finish before the opposite operation.
        let deadline = Instant::now() + Duration::from_secs(300);
        while bench
            .state
            .engine
            .resources()
            .iter()
            .any(|r| r.active_task.is_some())
        {
            if Instant::now() > deadline {
                bail!("tasks did not finish");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    all_latencies.sort_unstable();
    println!(
        "  total: {:.0} accepted ops/s; p50 {:.2} ms, p99 {:.2} ms (target >= 2000 ops/s, p99 <= 20 ms)",
        total_ops as f64 / total_time.as_secs_f64(),
        quantile_ms(&all_latencies, 0.50),
        quantile_ms(&all_latencies, 0.99),
    );
    Ok(())
}
