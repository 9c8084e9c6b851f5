//! `takeover --executor standby`: a leader and a standby that serves beside it, with the lease
//! `--lease`, on the demo plus a cluster of three services started in dependency order (each
//! start or stop a shell command of half a second, or with `--services sim` a simulated action
//! of half a second in the world the replicas share). The standby accepts a command and runs
//! it; it is killed with `kill -9` while a step runs; the time until the leader has claimed the
//! task (once the standby's lease expired) and finished the command. The killed standby comes
//! back beside the leader, and the round repeats.

use crate::takeover::{call, login, ms, replica, summary, wait, Options, Services, Watched};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The demo and the cluster 2 (a ← b ← c) of `services`, in `dir`.
fn config(dir: &Path, services: Services) -> Result<PathBuf> {
    let d = dir.display();
    let service = |name: &str, deps: &str| match services {
        Services::Sim => format!(
            "{{ name = \"{name}\", state = \"stopped\", depends_on = [{deps}], \
             config = {{ start = \"0.5s\", stop = \"0.5s\" }} }}"
        ),
        Services::Exec => format!(
            "{{ name = \"{name}\", state = \"stopped\", driver = \"exec\", depends_on = [{deps}], \
             config = {{ start = \"sleep 0.5; touch {d}/{name}.up\", \
             stop = \"sleep 0.5; rm -f {d}/{name}.up\", \
             status = \"test -f {d}/{name}.up && exit 0 || exit 3\", timeout = \"10s\" }} }}"
        ),
    };
    let cluster = format!(
        "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"spread\"\nversion = \"3.1.0\"\n\
         services = [ {}, {}, {} ]\n",
        service("a", ""),
        service("b", "\"a\""),
        service("c", "\"b\"")
    );
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, format!("{}\n{cluster}", switchboard::config::DEMO))?;
    Ok(path)
}

pub async fn run(o: Options) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let config = config(dir.path(), o.services)?;
    let http = reqwest::Client::new();
    let mut leader = replica(dir.path(), "leader")?;
    let mut standby = replica(dir.path(), "standby")?;
    for r in [&mut leader, &mut standby] {
        r.args = vec!["--config".into(), config.display().to_string()];
        r.env = vec![
            ("SWITCHBOARD_LEASE".into(), o.lease.clone()),
            ("SWITCHBOARD_STANDBYS".into(), "serve".into()),
        ];
    }
    leader.spawn(&o.database_url)?;
    wait(|| leader.ready(&http), "the leader to serve").await?;
    standby.spawn(&o.database_url)?;
    let token = login(&leader.base).await?;
    let (http, token) = (&http, token.as_str());
    let mut finished = Vec::new();
    for round in 0..o.kills {
        wait(
            || standby.ready(http),
            "the standby to serve beside the leader",
        )
        .await?;
        // Start c with its dependencies, then stop a with its dependents: three steps each.
        let (service, action) = match round % 2 {
            0 => ("c", "start"),
            _ => ("a", "stop"),
        };
        let path = format!("/web/v1/maintain/cluster/2/service/{service}/{action}");
        let r = call(http, &standby.base, token, &path, true).await?;
        let id = r["id"]
            .as_i64()
            .with_context(|| format!("not accepted: {r}"))?;
        let command = Watched { http, token, id };
        command
            .until(&leader.base, Watched::running, "a step to run")
            .await?;
        let killed = Instant::now();
        standby.kill()?;
        let finishing = "the leader to finish the command";
        command
            .until(&leader.base, Watched::complete, finishing)
            .await?;
        finished.push(killed.elapsed());
        println!(
            "kill {:>2}: {action} finished by the leader {:>6.0} ms after the kill",
            round + 1,
            ms(finished[round])
        );
        standby.spawn(&o.database_url)?;
    }
    leader.kill()?;
    standby.kill()?;
    summary(
        &format!("the command finished by the leader (lease {})", o.lease),
        &mut finished,
    );
    if o.services == Services::Sim {
        performed_once(&o.database_url, o.kills).await?;
    }
    Ok(())
}

/// Checks in the shared world's journal (one query) that each simulated service was started and
/// stopped once per command, whichever replica performed it: no step ran twice.
async fn performed_once(url: &str, kills: usize) -> Result<()> {
    use sqlx::Connection;
    let mut db = sqlx::PgConnection::connect(url).await?;
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT e->>'resource', e->>'action', count(*) FROM \
         (SELECT entry::json AS e FROM sim_journal) j \
         WHERE e->>'resource' LIKE 'mrs.2.%' AND e->'release' IS NULL AND e->'reset' IS NULL \
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&mut db)
    .await?;
    let (starts, stops) = (kills.div_ceil(2) as i64, (kills / 2) as i64);
    for (resource, action, n) in &counts {
        let expected = if action == "start" { starts } else { stops };
        if *n != expected {
            anyhow::bail!("{resource}: {action} performed {n} times, not {expected}: {counts:?}");
        }
    }
    println!("the journal: each service started {starts} and stopped {stops} times, none twice");
    Ok(())
}
