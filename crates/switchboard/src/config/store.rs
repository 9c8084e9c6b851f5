//! `[store]`: where the state is kept (the data dir's SQLite file, or a PostgreSQL database
//! that replicas share) and how a replica takes part.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::time::Duration;
use switchboard_store::Synchronous;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub synchronous: Synchronous,
    /// `postgres://…`: the database instead of the data directory's SQLite file.
    pub database_url: Option<String>,
    /// With a database URL: how long the leading replica's serving lease lasts unrenewed, so
    /// how soon a standby takes over from a leader that paused or was cut off.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// With a database URL: the name the other replicas know this one by (host:pid if unset).
    pub replica: Option<String>,
    /// With a database URL: where the other replicas reach this one while it leads, to pass
    /// their requests on (`http://` and the listen address if that names one).
    pub advertise_url: Option<String>,
    /// With a database URL: standbys look at the lease only by polling it, never `LISTEN` for
    /// its changes (behind PgBouncer in transaction mode, where a session is not kept between
    /// transactions). A leader stopping is then replaced at the next poll (200 ms).
    pub poll_only: bool,
    /// With a database URL: what a replica does while another leads (`pass-on` or `serve`).
    pub standbys: Standbys,
}

/// What a replica that does not lead does with the requests it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standbys {
    /// Passes each connection on to the leader whole.
    #[default]
    PassOn,
    /// Serves them itself as a writer beside the leader (which runs what it accepts), passing
    /// on only what the leader alone keeps: the test team's controls (`member`).
    Serve,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            synchronous: Synchronous::default(),
            database_url: None,
            lease: Duration::from_secs(10),
            replica: None,
            advertise_url: None,
            poll_only: false,
            standbys: Standbys::default(),
        }
    }
}

/// `http://host[:port]` with no path, query or credentials: where a standby connects.
fn names_a_listener(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "http"
            && u.host().is_some()
            && matches!(u.path(), "" | "/")
            && u.query().is_none()
            && u.username().is_empty()
    })
}

impl StoreConfig {
    /// `SWITCHBOARD_DATABASE_URL`, `_LEASE`, `_REPLICA`, `_ADVERTISE_URL`, `_POLL_ONLY`,
    /// `_STANDBYS` and `_SYNCHRONOUS`.
    pub(super) fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = var("SWITCHBOARD_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("SWITCHBOARD_LEASE") {
            self.lease = humantime::parse_duration(&v)
                .with_context(|| format!("SWITCHBOARD_LEASE={v:?} is not a duration"))?;
        }
        if let Some(v) = var("SWITCHBOARD_REPLICA") {
            self.replica = Some(v);
        }
        if let Some(v) = var("SWITCHBOARD_ADVERTISE_URL") {
            self.advertise_url = Some(v);
        }
        if let Some(v) = var("SWITCHBOARD_POLL_ONLY") {
            self.poll_only = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => bail!("SWITCHBOARD_POLL_ONLY must be true or false, not {v:?}"),
            };
        }
        if let Some(v) = var("SWITCHBOARD_STANDBYS") {
            self.standbys = match v.as_str() {
                "pass-on" => Standbys::PassOn,
                "serve" => Standbys::Serve,
                _ => bail!("SWITCHBOARD_STANDBYS must be pass-on or serve, not {v:?}"),
            };
        }
        if let Some(v) = var("SWITCHBOARD_SYNCHRONOUS") {
            self.synchronous = match v.as_str() {
                "full" => Synchronous::Full,
                "normal" => Synchronous::Normal,
                _ => bail!("SWITCHBOARD_SYNCHRONOUS must be full or normal, not {v:?}"),
            };
        }
        Ok(())
    }

    /// Refuses a URL that names no PostgreSQL database (the URL itself is not repeated: it may
    /// hold a password).
    pub(super) fn check(&self) -> Result<()> {
        match &self.database_url {
            Some(url) if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
                bail!("the database URL must start with postgres:// or postgresql://")
            }
            _ if self.lease < Duration::from_secs(1) || self.lease > Duration::from_secs(3600) => {
                bail!("[store] lease must be between 1s and 1h")
            }
            _ if self
                .advertise_url
                .as_deref()
                .is_some_and(|u| !names_a_listener(u)) =>
            {
                bail!(
                    "[store] advertise_url must be http://host:port, this replica's own listener \
                     (standbys connect to it directly), with no path"
                )
            }
            _ => Ok(()),
        }
    }
}
