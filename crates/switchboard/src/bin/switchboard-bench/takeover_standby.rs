//! `takeover --executor standby`: a leader and a standby that serves beside it, with the lease
//! `--lease`, on the demo plus a cluster of three `exec` services started in dependency order
//! (each start or stop a shell command of half a second). The standby accepts a command and runs
//! it; it is killed with `kill -9` while a step runs; the time until the leader has claimed the
//! task (once the standby's lease expired) and finished the command. The killed standby comes
//! back beside the leader, and the round repeats.

use crate::takeover::{call, login, ms, replica, summary, wait, Options, Watched};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The demo and the `exec` cluster 2 (a ← b ← c), in `dir`.
fn config(dir: &Path) -> Result<PathBuf> {
    let d = dir.display();
    let service = |name: &str, deps: &str| {
        format!(
            "{{ name = \"{name}\", state = \"stopped\", driver = \"exec\", depends_on = [{deps}], \
             config = {{ start = \"sleep 0.5; touch {d}/{name}.up\", \
             stop = \"sleep 0.5; rm -f {d}/{name}.up\", \
             status = \"test -f {d}/{name}.up && exit 0 || exit 3\", timeout = \"10s\" }} }}"
        )
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
    let config = config(dir.path())?;
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
    Ok(())
}
