//! Takeover time on PostgreSQL: two replicas of the release binary on one database (the demo
//! inventory, data dirs of their own), a command running on the leader, `kill -9` of the
//! leader; the time until the standby serves (`/ready`), and until the command is COMPLETE.
//! The killed replica comes back as the next standby, and the round repeats. With
//! `--executor standby`, the standby serves beside the leader and runs the command itself
//! (`takeover_standby`), on `exec` services or (`--services sim`) simulated ones.

use crate::real::{binary, free_port, PASSWORD};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Options {
    /// The PostgreSQL database the replicas share (an empty one: the demo is created in it).
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL")]
    pub database_url: String,
    /// Rounds: a command started on the leader, the leader killed mid-step.
    #[arg(long, default_value_t = 20)]
    pub kills: usize,
    /// Which replica runs the command and is killed: the leader, or a standby that serves
    /// beside it (on `exec` services: the leader claims the task once its lease expired).
    #[arg(long, value_enum, default_value_t = Executor::Leader)]
    executor: Executor,
    /// The replicas' lease (`SWITCHBOARD_LEASE`).
    #[arg(long, default_value = "10s")]
    pub lease: String,
    /// With `--executor standby`: the services' driver, `exec` (shell commands) or `sim` (the
    /// simulated world the replicas share).
    #[arg(long, value_enum, default_value_t = Services::Exec)]
    pub services: Services,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Services {
    Exec,
    Sim,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Executor {
    Leader,
    Standby,
}

pub(crate) struct Replica {
    child: Option<Child>,
    pub base: String,
    port: u16,
    data: PathBuf,
    /// Arguments and environment besides the database's.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Replica {
    pub fn spawn(&mut self, url: &str) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.with_extension("log"))?;
        let child = Command::new(binary()?)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--data-dir")
            .arg(&self.data)
            .args(["--database-url", url])
            .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
            .env("SWITCHBOARD_MASTER_KEY", "switchboard-bench takeover")
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    pub async fn ready(&self, http: &reqwest::Client) -> bool {
        let r = http.get(format!("{}/ready", self.base)).send().await;
        r.is_ok_and(|r| r.status() == 200)
    }

    pub fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }
}

pub(crate) fn replica(dir: &Path, name: &str) -> Result<Replica> {
    let port = free_port()?;
    Ok(Replica {
        child: None,
        base: format!("http://127.0.0.1:{port}"),
        port,
        data: dir.join(name),
        args: Vec::new(),
        env: Vec::new(),
    })
}

pub async fn run(o: Options) -> Result<()> {
    if o.executor == Executor::Standby {
        return crate::takeover_standby::run(o).await;
    }
    let dir = tempfile::tempdir()?;
    let http = reqwest::Client::new();
    let mut replicas = [replica(dir.path(), "a")?, replica(dir.path(), "b")?];
    for r in &mut replicas {
        r.env.push(("SWITCHBOARD_LEASE".into(), o.lease.clone()));
    }
    replicas[0].spawn(&o.database_url)?;
    wait(|| replicas[0].ready(&http), "the first replica to serve").await?;
    replicas[1].spawn(&o.database_url)?;
    let token = login(&replicas[0].base).await?;
    let (mut serving, mut finished) = (Vec::new(), Vec::new());
    for round in 0..o.kills {
        let (leader, standby) = (round % 2, (round + 1) % 2);
        // The standby has had its start-up: it is standing by, not starting.
        tokio::time::sleep(Duration::from_millis(500)).await;
        // The demo's services start stopped: HDFS starts after ZooKeeper, then stops again.
        let action = if round % 2 == 0 { "start" } else { "stop" };
        let path = format!("/web/v1/maintain/cluster/1/service/HDFS/{action}");
        let (http, token) = (&http, token.as_str());
        let (leading, standing) = (
            replicas[leader].base.clone(),
            replicas[standby].base.clone(),
        );
        let r = call(http, &leading, token, &path, true).await?;
        let id = r["id"]
            .as_i64()
            .with_context(|| format!("not accepted: {r}"))?;
        let command = Watched { http, token, id };
        command
            .until(&leading, Watched::running, "a step to run")
            .await?;
        let killed = Instant::now();
        replicas[leader].kill()?;
        let standby_ready = &replicas[standby];
        wait(|| standby_ready.ready(http), "the standby to serve").await?;
        serving.push(killed.elapsed());
        command
            .until(&standing, Watched::complete, "the command to finish")
            .await?;
        finished.push(killed.elapsed());
        println!(
            "kill {:>2}: serving after {:>6.0} ms, {action} finished after {:>6.0} ms",
            round + 1,
            ms(serving[round]),
            ms(finished[round])
        );
        replicas[leader].spawn(&o.database_url)?;
    }
    for r in &mut replicas {
        r.kill()?;
    }
    summary("the standby serving", &mut serving);
    summary("the command finished", &mut finished);
    Ok(())
}

/// A command under way, watched through its progress.
pub(crate) struct Watched<'a> {
    pub http: &'a reqwest::Client,
    pub token: &'a str,
    pub id: i64,
}

impl Watched<'_> {
    /// Waits until the command's progress on `base` satisfies `check`.
    pub async fn until(&self, base: &str, check: fn(&Value) -> bool, what: &str) -> Result<()> {
        let progress = format!("/web/v1/common/command/{}/progress", self.id);
        let looked = || async {
            let p = call(self.http, base, self.token, &progress, false).await;
            p.is_ok_and(|p| check(&p))
        };
        wait(looked, what).await
    }

    pub fn running(progress: &Value) -> bool {
        progress.to_string().contains("\"RUNNING\"")
    }

    pub fn complete(progress: &Value) -> bool {
        progress["state"] == "COMPLETE"
    }
}

/// The admin's token, from the replica at `base`.
pub(crate) async fn login(base: &str) -> Result<String> {
    let login = switchboard_client::Login {
        url: base,
        user: "admin",
        password: PASSWORD,
        domain: "switchboard",
        project: Some("local-1"),
    };
    Ok(switchboard_client::login(&login).await?.token)
}

pub(crate) async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    post: bool,
) -> Result<Value> {
    let request = match post {
        true => http
            .post(format!("{base}{path}"))
            .json(&json!({"only_self": false})),
        false => http.get(format!("{base}{path}")),
    };
    Ok(request
        .header("X-Auth-Token", token)
        .send()
        .await?
        .json()
        .await?)
}

pub(crate) async fn wait<F, Fut>(mut check: F, what: &str) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    while !check().await {
        if Instant::now() > deadline {
            bail!("waited 120 s for {what}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) fn summary(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    println!(
        "kill -9 to {what}: min {:.0} ms, p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms ({} kills)",
        at(0.0),
        at(0.5),
        at(0.9),
        at(1.0),
        times.len()
    );
}
