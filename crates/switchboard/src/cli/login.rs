//! `login` and `logout`.

use super::args::{Global, LoginArgs};
use super::exit::{CliResult, Failure};
use super::{profile, session};

/// Logs in with a password (from `SWITCHBOARD_PASSWORD`, else a prompt) and keeps the token.
pub async fn login(global: &Global, args: &LoginArgs) -> CliResult {
    let old = profile::load(&global.profile)?;
    let url = session::url(global, old.as_ref());
    let pick = |given: &Option<String>, kept: Option<&String>, default: &str| {
        given
            .clone()
            .or_else(|| kept.filter(|k| !k.is_empty()).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let user = pick(&args.user, old.as_ref().map(|p| &p.user), "admin");
    let domain = pick(&args.domain, old.as_ref().map(|p| &p.domain), "switchboard");
    let password = match std::env::var("SWITCHBOARD_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => rpassword::prompt_password(format!("Password for {user}@{domain}: "))
            .map_err(|e| Failure::other(format!("cannot read the password: {e}")))?,
    };
    let session = switchboard_client::login(&switchboard_client::Login {
        url: &url,
        user: &user,
        password: &password,
        domain: &domain,
        project: args.project.as_deref(),
    })
    .await?;
    let kept = profile::Profile {
        url: url.clone(),
        token: session.token,
        user: user.clone(),
        user_id: session.user_id,
        domain,
        project_id: session.project_id.clone(),
        project_name: session.project_name.clone(),
        expires_at: session.expires_at.clone(),
    };
    let path = profile::save(&global.profile, &kept)?;
    if !global.quiet {
        println!(
            "Logged in to {url} as {user} in project {} ({}); token until {}, kept in {}",
            session.project_name,
            session.project_id,
            session.expires_at,
            path.display()
        );
    }
    Ok(())
}

/// Revokes the profile's token (when the server is there) and removes the profile.
pub async fn logout(global: &Global) -> CliResult {
    let Some(old) = profile::load(&global.profile)? else {
        if !global.quiet {
            println!("Not logged in (profile {:?})", global.profile);
        }
        return Ok(());
    };
    let url = session::url(global, Some(&old));
    // A token the server no longer knows, or a server that is gone, still ends the login here.
    let revoked = switchboard_client::revoke(&url, &old.token).await;
    profile::remove(&global.profile)?;
    if !global.quiet {
        match revoked {
            Ok(()) => println!("Logged out of {url}; token revoked"),
            Err(e) => println!("Logged out (the token was not revoked: {e})"),
        }
    }
    Ok(())
}
