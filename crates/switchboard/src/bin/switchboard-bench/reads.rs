//! Read throughput of the real release binary as a ratio to a bare axum hello-world, measured
//! in the same run with the same load generator (wrk, keep-alive connections).

use crate::inventory::{self, Shape};
use crate::real::{self, Server};
use crate::wrk::{self, Outcome};
use anyhow::{bail, Result};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Options {
    #[command(flatten)]
    wrk: wrk::Args,
    /// Seconds of each wrk run.
    #[arg(long, default_value_t = 5)]
    duration: u64,
    #[arg(long, default_value_t = 2)]
    rounds: usize,
}

/// The hello-world as a child process (`switchboard-bench hello`), so it has a process and a
/// runtime of its own like the server.
struct Hello(std::process::Child, String);

impl Drop for Hello {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn hello() -> Result<Hello> {
    let port = real::free_port()?;
    let child = Command::new(std::env::current_exe()?)
        .args(["hello", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()?;
    let hello = Hello(child, format!("http://127.0.0.1:{port}/"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reqwest::get(&hello.1)
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        if Instant::now() > deadline {
            bail!("the hello-world did not answer");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(hello)
}

pub async fn run(o: Options) -> Result<()> {
    let load = o.wrk.load(o.duration);
    let dir = tempfile::tempdir()?;
    let shape = Shape {
        services: 1000,
        dag: true,
        chain: 0,
        servers: 100,
        step_ms: 1,
    };
    let (config, _) = real::write_config(dir.path(), &shape, &o.wrk.log)?;
    let (_, read) = wrk::scripts(dir.path())?;
    let hello = hello().await?;
    let server = Server::start(&config, &dir.path().join("server.log")).await?;
    let http = reqwest::Client::new();
    // A task history to list: starts of distinct services, one after the other.
    let seeded = 500;
    for i in 100..100 + seeded {
        let r = http
            .post(format!(
                "{}/web/v1/maintain/cluster/1/service/s{i}/start",
                server.base
            ))
            .header("X-Auth-Token", &server.token)
            .json(&serde_json::json!({"only_self": true}))
            .send()
            .await?;
        if r.status() != 200 {
            bail!("start s{i}: {} {}", r.status(), r.text().await?);
        }
    }
    server.wait_idle(&http).await?;
    let mrs = "/web/v1/cluster/1/services/s150".to_string();
    let nova = format!(
        "/v2.1/{}/servers/{}",
        inventory::PROJECT_ID,
        inventory::server_id(7)
    );
    let tasks = "/switchboard/v1/tasks?limit=50".to_string();
    println!(
        "reads: wrk -t{} -c{} -d{}s -s scripts/bench/read.lua, {} rounds; server {} on 1,000 services, 100 servers, {} tasks, log={}",
        load.threads,
        load.connections,
        load.duration.as_secs(),
        o.rounds,
        real::binary()?.display(),
        seeded,
        o.wrk.log
    );
    let targets: [(&str, String, &str); 4] = [
        ("hello-world", hello.1.clone(), ""),
        (
            "MRS service read",
            format!("{}{mrs}", server.base),
            &server.token,
        ),
        (
            "Nova server show",
            format!("{}{nova}", server.base),
            &server.token,
        ),
        (
            "tasks?limit=50",
            format!("{}{tasks}", server.base),
            &server.token,
        ),
    ];
    for (name, url, token) in &targets {
        let (status, body) = if token.is_empty() {
            let r = http.get(url).send().await?;
            (r.status().as_u16(), r.text().await?)
        } else {
            server.get(&http, &url[server.base.len()..]).await?
        };
        if status != 200 {
            bail!("{name}: {status} {body}");
        }
        println!(
            "  {name:17} GET {} ({} bytes)",
            url.replace(&server.base, ""),
            body.len()
        );
    }
    for round in 1..=o.rounds {
        let mut base_rate = 0.0;
        for (name, url, token) in &targets {
            let out: Outcome = wrk::read(&read, url, token, load).await?;
            if base_rate == 0.0 {
                base_rate = out.rate();
            }
            println!(
                "  round {round} {name:17} {} = {:.2}x hello-world",
                out.summary("req"),
                out.rate() / base_rate
            );
        }
    }
    println!("  (target: MRS read and Nova show >= 0.6x hello-world)");
    drop(hello);
    server.kill()
}
