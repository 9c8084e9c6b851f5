//! The `exec` driver: user commands for start, stop and status, for anything else (systemctl,
//! docker, kubectl). Status follows LSB: exit 0 is running, 3 is stopped, anything else unknown.
//! A command that outlives its timeout is killed with its whole process group.

mod command;

use command::{run, Ran};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use switchboard_core::{Action, Driver, DriverError, Lifecycle, Observed, ResourceSpec};

/// A resource's `config` table for the exec driver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecConfig {
    /// Shell commands (`sh -c`).
    pub start: String,
    pub stop: String,
    pub status: String,
    /// Restart command; stop then start when absent.
    #[serde(default)]
    pub restart: Option<String>,
    /// Longest a single command may run.
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Extra environment for every command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory of every command.
    #[serde(default)]
    pub workdir: Option<PathBuf>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

#[derive(Debug, Default)]
pub struct ExecDriver;

fn config(resource: &ResourceSpec) -> Result<ExecConfig, DriverError> {
    serde_json::from_value(resource.driver_config.clone())
        .map_err(|e| DriverError::Permanent(format!("{}: exec driver config: {e}", resource.id)))
}

impl ExecDriver {
    async fn command(
        &self,
        resource: &ResourceSpec,
        cfg: &ExecConfig,
        script: &str,
    ) -> Result<Ran, DriverError> {
        run(script, cfg, resource).await
    }
}

#[async_trait::async_trait]
impl Driver for ExecDriver {
    /// Commands run on whichever replica runs the step: on several replicas, they must reach
    /// the same system from each (the README says so).
    fn runs_on_any_replica(&self) -> bool {
        true
    }

    async fn register(&self, resource: &ResourceSpec) -> Result<(), DriverError> {
        config(resource).map(|_| ())
    }

    async fn perform(
        &self,
        resource: &ResourceSpec,
        action: Action,
        _op: &str,
    ) -> Result<Option<String>, DriverError> {
        let cfg = config(resource)?;
        // Start of a running resource (stop of a stopped one) acts on nothing.
        let current = self.observe(resource).await?.state;
        if !current.needs(action) {
            return Ok(None);
        }
        let scripts: Vec<&str> = match (action, &cfg.restart) {
            (Action::Start, _) => vec![&cfg.start],
            (Action::Stop, _) => vec![&cfg.stop],
            (Action::Restart, Some(restart)) => vec![restart],
            (Action::Restart, None) => vec![&cfg.stop, &cfg.start],
        };
        let mut output = String::new();
        for script in scripts {
            let ran = self.command(resource, &cfg, script).await?;
            output.push_str(ran.output_tail().trim_start_matches(": "));
            if ran.code != Some(0) {
                return Err(DriverError::Failed(format!(
                    "{} {}: `{script}` {}{}",
                    action.as_str(),
                    resource.name,
                    ran.describe_exit(),
                    ran.output_tail()
                )));
            }
        }
        // Kept in the step's record.
        Ok((!output.is_empty()).then_some(output))
    }

    async fn observe(&self, resource: &ResourceSpec) -> Result<Observed, DriverError> {
        let cfg = config(resource)?;
        let ran = self.command(resource, &cfg, &cfg.status).await?;
        let state = match ran.code {
            Some(0) => Lifecycle::Running,
            Some(3) => Lifecycle::Stopped,
            _ => Lifecycle::Unknown,
        };
        let detail = (state == Lifecycle::Unknown)
            .then(|| format!("status {}{}", ran.describe_exit(), ran.output_tail()));
        Ok(Observed { state, detail })
    }

    fn expected_duration(&self, resource: &ResourceSpec, _action: Action) -> Duration {
        config(resource)
            .map(|c| c.timeout / 10)
            .unwrap_or(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests;
