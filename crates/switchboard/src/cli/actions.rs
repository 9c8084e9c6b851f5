//! Lifecycle actions through the family APIs: MRS services, Nova servers, DBSS instances,
//! Live flows and BMS v1 batch jobs.

use super::args::*;
use super::exit::{CliResult, Failure};
use super::{output, watch};
use switchboard_client::{Client, Started};

/// The id of the `kind` resource named or numbered `name_or_id`.
pub async fn resolve(client: &Client, kind: &str, name_or_id: &str) -> CliResult<String> {
    let list = client.resources().await?;
    let found: Vec<&str> = list["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["kind"] == kind && (r["id"] == name_or_id || r["name"] == name_or_id))
        .filter_map(|r| r["id"].as_str())
        .collect();
    match found.as_slice() {
        [id] => Ok((*id).to_string()),
        [] => Err(Failure::new(
            super::exit::REFUSED,
            format!(
                "no {kind} named {name_or_id:?} in project {}",
                client.project_id()
            ),
        )),
        _ => Err(Failure::usage(format!(
            "{name_or_id:?} names several of kind {kind}: use the id"
        ))),
    }
}

/// The cluster to act in: the one given, else the only one, else `1`.
pub async fn cluster(client: &Client, given: &Option<String>) -> CliResult<String> {
    if let Some(c) = given {
        return Ok(c.clone());
    }
    let list = client.clusters().await?;
    match list["res_obj"]["clusters"].as_array().map(Vec::as_slice) {
        Some([only]) => Ok(output::text(&only["id"])),
        _ => Ok("1".into()),
    }
}

/// After an action: the task it started, followed with `--wait`, else reported.
async fn report(client: &Client, global: &Global, started: Started, wait: &Wait) -> CliResult {
    let Some(id) = client.task_of(&started).await? else {
        // Nothing to do (already in the wanted state): the family's own answer.
        return match global.output {
            Format::Json => output::print_json(&started.body),
            Format::Yaml => output::print_yaml(&started.body),
            Format::Table if global.quiet => Ok(()),
            Format::Table => {
                println!("Nothing to do: {}", started.body);
                Ok(())
            }
        };
    };
    if wait.wait {
        if global.quiet {
            println!("{id}");
        }
        return watch::follow(client, global, id, wait.timeout).await;
    }
    match global.output {
        _ if global.quiet => println!("{id}"),
        Format::Table => println!(
            "Started task {id}. Follow it: switchboard task watch {id} · cancel: switchboard task cancel {id}"
        ),
        _ => output::print_object(global, &client.task(id).await?)?,
    }
    Ok(())
}

pub async fn service(client: &Client, global: &Global, cmd: &ServiceCmd) -> CliResult {
    let (action, a) = match cmd {
        ServiceCmd::Start(a) => ("start", a),
        ServiceCmd::Stop(a) => ("stop", a),
        ServiceCmd::Restart(a) => ("restart", a),
        ServiceCmd::List { .. } | ServiceCmd::Show { .. } => {
            return super::reads::service(client, global, cmd).await
        }
    };
    let cluster = cluster(client, &a.cluster).await?;
    let started = client
        .service_action(&cluster, &a.name, action, a.with_deps)
        .await?;
    report(client, global, started, &a.wait).await
}

pub async fn server(client: &Client, global: &Global, cmd: &ServerCmd) -> CliResult {
    let (action, a) = match cmd {
        ServerCmd::Start(a) => ("start", a),
        ServerCmd::Stop(a) => ("stop", a),
        ServerCmd::Reboot(a) => ("reboot", a),
        ServerCmd::List | ServerCmd::Show { .. } => {
            return super::reads::server(client, global, cmd).await
        }
    };
    let id = resolve(client, "server", &a.name_or_id).await?;
    let started = client.server_action(&id, action, a.soft).await?;
    report(client, global, started, &a.wait).await
}

pub async fn instance(client: &Client, global: &Global, cmd: &InstanceCmd) -> CliResult {
    let (action, a) = match cmd {
        InstanceCmd::Start(a) => ("start", a),
        InstanceCmd::Stop(a) => ("stop", a),
        InstanceCmd::Reboot(a) => ("reboot", a),
        InstanceCmd::List => {
            return super::reads::resources(client, global, Some("dbom_instance"), None).await
        }
    };
    let id = resolve(client, "dbom_instance", &a.name_or_id).await?;
    let started = client.instance_action(&id, action).await?;
    report(client, global, started, &a.wait).await
}

pub async fn flow(client: &Client, global: &Global, cmd: &FlowCmd) -> CliResult {
    let (action, a) = match cmd {
        FlowCmd::Start(a) => ("start", a),
        FlowCmd::Stop(a) => ("stop", a),
        FlowCmd::List => return super::reads::resources(client, global, Some("flow"), None).await,
    };
    let id = resolve(client, "flow", &a.name_or_id).await?;
    let started = client.flow_action(&id, action).await?;
    report(client, global, started, &a.wait).await
}

pub async fn batch(client: &Client, global: &Global, cmd: &BatchCmd) -> CliResult {
    let (action, a) = match cmd {
        BatchCmd::Start(a) => ("start", a),
        BatchCmd::Stop(a) => ("stop", a),
        BatchCmd::Reboot(a) => ("reboot", a),
    };
    let mut ids = Vec::with_capacity(a.servers.len());
    for s in &a.servers {
        ids.push(resolve(client, "server", s).await?);
    }
    let started = client.batch_action(&ids, action, a.soft).await?;
    report(client, global, started, &a.wait).await
}
