//! Reads: tasks, resources, services, servers and the audit trail.

use super::args::*;
use super::exit::{CliResult, Failure};
use super::{output, watch};
use serde_json::{json, Value};
use std::time::SystemTime;
use switchboard_client::Client;

fn items(v: &Value, key: &str) -> Vec<Value> {
    v[key].as_array().cloned().unwrap_or_default()
}

const RESOURCE_COLUMNS: [(&str, &str); 6] = [
    ("ID", "id"),
    ("NAME", "name"),
    ("KIND", "kind"),
    ("STATE", "state"),
    ("TASK", "active_task"),
    ("ERROR", "last_error"),
];

/// `resource list [--kind] [--state]` (and the lists of one family's resources).
pub async fn resources(
    client: &Client,
    global: &Global,
    kind: Option<&str>,
    state: Option<&str>,
) -> CliResult {
    let all = client.resources().await?;
    let rows: Vec<Value> = items(&all, "resources")
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r["kind"] == k) && state.is_none_or(|s| r["state"] == s))
        .collect();
    let value = json!({ "resources": rows });
    output::print(global, &value, &rows, &RESOURCE_COLUMNS)
}

pub async fn service(client: &Client, global: &Global, cmd: &ServiceCmd) -> CliResult {
    match cmd {
        ServiceCmd::Show { name, cluster } => {
            let c = super::actions::cluster(client, cluster).await?;
            let v = client
                .get(&format!("/web/v1/cluster/{c}/services/{name}"))
                .await?;
            match global.output {
                // MRS wraps the service in its envelope; a person wants the service.
                Format::Table => output::print_object(global, &v["res_obj"]),
                _ => output::print_object(global, &v),
            }
        }
        ServiceCmd::List { cluster } => {
            let all = client.resources().await?;
            let rows: Vec<Value> = items(&all, "resources")
                .into_iter()
                .filter(|r| r["kind"] == "cluster_service")
                .filter(|r| {
                    cluster
                        .as_ref()
                        .is_none_or(|c| output::text(&r["cluster_id"]) == *c)
                })
                .collect();
            let columns = [
                ("NAME", "name"),
                ("CLUSTER", "cluster_id"),
                ("STATE", "state"),
                ("DEPENDS ON", "depends_on"),
                ("TASK", "active_task"),
                ("ERROR", "last_error"),
            ];
            output::print(global, &json!({ "resources": rows }), &rows, &columns)
        }
        _ => Err(Failure::usage("not a read")),
    }
}

pub async fn server(client: &Client, global: &Global, cmd: &ServerCmd) -> CliResult {
    let p = client.project_id().to_string();
    match cmd {
        ServerCmd::Show { name_or_id } => {
            let id = super::actions::resolve(client, "server", name_or_id).await?;
            let v = client.get(&format!("/v2.1/{p}/servers/{id}")).await?;
            match global.output {
                Format::Table => output::print_object(global, &v["server"]),
                _ => output::print_object(global, &v),
            }
        }
        _ => {
            let v = client.get(&format!("/v2.1/{p}/servers/detail")).await?;
            let columns = [
                ("ID", "id"),
                ("NAME", "name"),
                ("STATUS", "status"),
                ("TASK STATE", "OS-EXT-STS:task_state"),
                ("POWER", "OS-EXT-STS:power_state"),
            ];
            output::print(global, &v, &items(&v, "servers"), &columns)
        }
    }
}

pub async fn task(client: &Client, global: &Global, cmd: &TaskCmd) -> CliResult {
    match cmd {
        TaskCmd::List { state, limit } => {
            let v = client.tasks(state.as_deref(), *limit).await?;
            let columns = [
                ("ID", "id"),
                ("KIND", "kind"),
                ("ACTION", "action"),
                ("TARGET", "target"),
                ("STATE", "state"),
                ("PROGRESS", "progress"),
                ("CREATED", "created_at"),
                ("ERROR", "error"),
            ];
            output::print(global, &v, &items(&v, "tasks"), &columns)
        }
        TaskCmd::Show { id } => {
            let v = client.task(*id).await?;
            if global.output != Format::Table {
                return output::print_object(global, &v);
            }
            output::print_object(global, &v)?;
            let columns = [
                ("#", "index"),
                ("ACTION", "action"),
                ("RESOURCE", "resource_name"),
                ("AFTER", "after"),
                ("STATE", "state"),
                ("ATTEMPTS", "attempts"),
                ("ERROR", "error"),
            ];
            output::print(global, &v, &items(&v, "steps"), &columns)
        }
        TaskCmd::Watch { id, timeout } => watch::follow(client, global, *id, *timeout).await,
        TaskCmd::Cancel { id } => {
            let v = client.cancel(*id).await?;
            match global.output {
                Format::Table if !global.quiet => {
                    println!("Cancelling task {id} ({})", output::text(&v["state"]));
                    Ok(())
                }
                Format::Table => Ok(()),
                _ => output::print_object(global, &v),
            }
        }
    }
}

/// The moment `--since` names: a duration back from now, or an RFC 3339 time.
fn since(raw: &str) -> CliResult<SystemTime> {
    if let Ok(d) = humantime::parse_duration(raw) {
        return Ok(SystemTime::now() - d);
    }
    humantime::parse_rfc3339_weak(raw).map_err(|_| {
        Failure::usage(format!(
            "--since {raw:?}: expected a duration (1h, 30m) or an RFC 3339 time"
        ))
    })
}

pub async fn audit(client: &Client, global: &Global, args: &AuditArgs) -> CliResult {
    let since_ms = args.since.as_deref().map(since).transpose()?.map(|t| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    });
    // The server filters, so `--limit` counts matching records.
    let filter = switchboard_client::AuditQuery {
        limit: Some(args.limit),
        principal: args.principal.clone(),
        since_ms,
        ..Default::default()
    };
    let v = client.audit(&filter).await?;
    let rows: Vec<Value> = items(&v, "records");
    let columns = [
        ("AT", "at"),
        ("PRINCIPAL", "principal"),
        ("ACTION", "action"),
        ("TARGET", "target"),
        ("OUTCOME", "outcome"),
        ("SOURCE", "source"),
    ];
    output::print(global, &json!({ "records": rows }), &rows, &columns)
}
