//! Which server and which credential a command uses: flags and environment first, then the
//! profile `login` wrote.

use super::args::Global;
use super::exit::{CliResult, Failure};
use super::profile;
use switchboard_client::{Client, Credential};

/// Where a server is looked for when nothing names one.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The server URL: `--url`/`SWITCHBOARD_URL`, else the profile's, else the default.
pub fn url(global: &Global, profile: Option<&profile::Profile>) -> String {
    global
        .url
        .clone()
        .or_else(|| profile.map(|p| p.url.clone()).filter(|u| !u.is_empty()))
        .unwrap_or_else(|| DEFAULT_URL.to_string())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A client: `SWITCHBOARD_TOKEN`, else `SWITCHBOARD_ACCESS_KEY`/`SWITCHBOARD_SECRET_KEY` with
/// `SWITCHBOARD_PROJECT_ID`, else the profile's token.
pub async fn client(global: &Global) -> CliResult<Client> {
    let profile = profile::load(&global.profile)?;
    let url = url(global, profile.as_ref());
    if let Some(token) = env("SWITCHBOARD_TOKEN") {
        let project = match env("SWITCHBOARD_PROJECT_ID") {
            Some(p) => p,
            None => switchboard_client::inspect(&url, &token).await?.project_id,
        };
        return Ok(Client::new(&url, Credential::Token(token), &project));
    }
    if let (Some(access), Some(secret)) =
        (env("SWITCHBOARD_ACCESS_KEY"), env("SWITCHBOARD_SECRET_KEY"))
    {
        let project = env("SWITCHBOARD_PROJECT_ID").ok_or_else(|| {
            Failure::usage(
                "SWITCHBOARD_ACCESS_KEY needs SWITCHBOARD_PROJECT_ID (the project to act in)",
            )
        })?;
        return Ok(Client::new(
            &url,
            Credential::AkSk { access, secret },
            &project,
        ));
    }
    match profile {
        Some(p) if !p.token.is_empty() => {
            Ok(Client::new(&url, Credential::Token(p.token), &p.project_id))
        }
        _ => Err(Failure::other(format!(
            "not logged in (profile {:?}): run `switchboard login`, or set SWITCHBOARD_TOKEN",
            global.profile
        ))),
    }
}
