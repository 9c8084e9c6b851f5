//! A server's instance actions as its history grows: drives `--actions` stops and starts of
//! the demo's `db01` through Nova, then times a page of its actions, the next page after a
//! marker, one action and the default list (Nova 2.58), after each tenfold of history.

use crate::harness;
use crate::inventory::PROJECT_ID;
use anyhow::{bail, Result};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchboard::config::{Config, DEMO};

const SERVER: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

#[derive(clap::Args)]
pub struct Options {
    /// Actions driven in all; the reads are timed at 100, 1,000, 10,000… and at the end.
    #[arg(long, default_value_t = 20_000)]
    actions: usize,
    /// Sequential requests per timing (the median is printed).
    #[arg(long, default_value_t = 20)]
    reads: usize,
}

pub async fn run(o: Options) -> Result<()> {
    // The demo as it is, its server steps (seconds) a thousand times faster.
    let demo = Config::parse(DEMO, "demo")?;
    let services = demo.clusters[0].services.clone();
    let bench = harness::start_tuned(services, |c| c.sim.speed = 1000.0).await?;
    let http = reqwest::Client::new();
    let nova = |path: &str| format!("{}/v2.1/{PROJECT_ID}/servers/{SERVER}{path}", bench.base);
    println!(
        "actions: stop/start of one Nova server through HTTP, then {} sequential reads each \
         (median, Nova 2.58)",
        o.reads
    );
    let mut done = 0;
    let mut checkpoint = 100;
    let started = Instant::now();
    while done < o.actions {
        let action = if done % 2 == 0 { "os-stop" } else { "os-start" };
        // The previous action may still hold the server: Nova's 409 until it is idle.
        loop {
            let r = http
                .post(nova("/action"))
                .header("X-Auth-Token", &bench.token)
                .json(&json!({ action: null }))
                .send()
                .await?;
            match r.status() {
                s if s.is_success() => break,
                StatusCode::CONFLICT => tokio::time::sleep(Duration::from_millis(1)).await,
                s => bail!("{action} answered {s}: {}", r.text().await?),
            }
        }
        done += 1;
        if done == checkpoint.min(o.actions) {
            println!(
                "  {done} actions ({:.1} s of driving)",
                started.elapsed().as_secs_f64()
            );
            time_reads(&http, &bench.token, &nova, o.reads).await?;
            checkpoint *= 10;
        }
    }
    Ok(())
}

async fn time_reads(
    http: &reqwest::Client,
    token: &str,
    nova: &impl Fn(&str) -> String,
    reads: usize,
) -> Result<()> {
    let get = |url: String| async move {
        let r = http
            .get(&url)
            .header("X-Auth-Token", token)
            .header("OpenStack-API-Version", "compute 2.58")
            .send()
            .await?;
        if r.status() != StatusCode::OK {
            bail!("{url} answered {}", r.status());
        }
        Ok::<Value, anyhow::Error>(r.json().await?)
    };
    let page = get(nova("/os-instance-actions?limit=10")).await?;
    let Some(marker) = page["instanceActions"][9]["request_id"].as_str() else {
        bail!("fewer than 10 actions: {page}");
    };
    let cases = [
        ("list ?limit=10", nova("/os-instance-actions?limit=10")),
        (
            "list ?limit=10&marker",
            nova(&format!("/os-instance-actions?limit=10&marker={marker}")),
        ),
        ("show one", nova(&format!("/os-instance-actions/{marker}"))),
        ("list (1,000 default)", nova("/os-instance-actions")),
    ];
    for (label, url) in cases {
        let mut times = Vec::with_capacity(reads);
        for _ in 0..reads {
            let t = Instant::now();
            get(url.clone()).await?;
            times.push(t.elapsed().as_micros() as u64);
        }
        times.sort_unstable();
        println!(
            "    {label:24} {:8.2} ms",
            harness::quantile_ms(&times, 0.5)
        );
    }
    Ok(())
}
