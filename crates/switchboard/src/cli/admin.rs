//! Administration: users, policies and IAM access keys.

use super::args::*;
use super::exit::{CliResult, Failure};
use super::{output, profile};
use serde_json::Value;
use switchboard_client::Client;

fn parse(what: &str, raw: &str) -> CliResult<Value> {
    serde_json::from_str(raw).map_err(|e| Failure::usage(format!("{what} is not JSON: {e}")))
}

fn items(v: &Value, key: &str) -> Vec<Value> {
    v[key].as_array().cloned().unwrap_or_default()
}

pub async fn user(client: &Client, global: &Global, cmd: &UserCmd) -> CliResult {
    match cmd {
        UserCmd::List => {
            let v = client.users().await?;
            let columns = [
                ("ID", "id"),
                ("NAME", "name"),
                ("DOMAIN", "domain_id"),
                ("ROLES", "roles"),
                ("ENABLED", "enabled"),
            ];
            output::print(global, &v, &items(&v, "users"), &columns)
        }
        UserCmd::Create { json } => {
            let v = client.create_user(&parse("--json", json)?).await?;
            output::print_object(global, &v)
        }
        UserCmd::Delete { id } => {
            client.delete_user(id).await?;
            Ok(())
        }
    }
}

pub async fn policy(client: &Client, global: &Global, cmd: &PolicyCmd) -> CliResult {
    match cmd {
        PolicyCmd::List => {
            let v = client.policies().await?;
            let columns = [("NAME", "name"), ("DOCUMENT", "document")];
            output::print(global, &v, &items(&v, "policies"), &columns)
        }
        PolicyCmd::Put { name, document } => {
            let v = client
                .put_policy(name, &parse("--document", document)?)
                .await?;
            output::print_object(global, &v)
        }
        PolicyCmd::Delete { name } => {
            client.delete_policy(name).await?;
            Ok(())
        }
    }
}

pub async fn key(client: &Client, global: &Global, cmd: &KeyCmd) -> CliResult {
    match cmd {
        KeyCmd::Create {
            user_id,
            description,
        } => {
            let user = match user_id {
                Some(u) => u.clone(),
                None => own_user_id(global)?,
            };
            let v = client.create_key(&user, description.as_deref()).await?;
            match global.output {
                Format::Table => output::print_object(global, &v["credential"]),
                _ => output::print_object(global, &v),
            }
        }
        KeyCmd::List { user_id } => {
            let v = client.keys(user_id.as_deref()).await?;
            let columns = [
                ("ACCESS KEY", "access"),
                ("STATUS", "status"),
                ("CREATED", "create_time"),
                ("DESCRIPTION", "description"),
            ];
            output::print(global, &v, &items(&v, "credentials"), &columns)
        }
        KeyCmd::Delete { access_key } => {
            client.delete_key(access_key).await?;
            Ok(())
        }
    }
}

fn own_user_id(global: &Global) -> CliResult<String> {
    profile::load(&global.profile)?
        .map(|p| p.user_id)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Failure::usage("--user-id is needed without a login profile"))
}
