//! The `redfish` driver: a server's BMC. Start is `ComputerSystem.Reset` On, stop ForceOff (or
//! GracefulShutdown), reboot ForceRestart; then `PowerState` is polled until it matches.

mod bmc;
mod log;

pub use bmc::RedfishConfig;

use bmc::Bmc;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::{Action, Driver, DriverError, Lifecycle, Observed, ResourceSpec};

#[derive(Default)]
pub struct RedfishDriver {
    bmcs: Mutex<HashMap<String, Arc<Bmc>>>,
}

fn config(resource: &ResourceSpec) -> Result<RedfishConfig, DriverError> {
    let cfg: RedfishConfig =
        serde_json::from_value(resource.driver_config.clone()).map_err(|e| {
            DriverError::Permanent(format!("{}: redfish driver config: {e}", resource.id))
        })?;
    cfg.validate()
        .map_err(|e| DriverError::Permanent(format!("{}: {e}", resource.id)))?;
    Ok(cfg)
}

impl RedfishDriver {
    fn bmc(&self, resource: &ResourceSpec) -> Result<Arc<Bmc>, DriverError> {
        if let Some(b) = self
            .bmcs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&resource.id)
        {
            return Ok(b.clone());
        }
        let bmc = Arc::new(Bmc::new(config(resource)?)?);
        self.bmcs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(resource.id.clone(), bmc.clone());
        Ok(bmc)
    }
}

/// Lifecycle from Redfish `PowerState`.
fn state_of(power: &str) -> Lifecycle {
    match power {
        "On" => Lifecycle::Running,
        "Off" => Lifecycle::Stopped,
        "PoweringOn" => Lifecycle::Starting,
        "PoweringOff" => Lifecycle::Stopping,
        _ => Lifecycle::Unknown,
    }
}

#[async_trait::async_trait]
impl Driver for RedfishDriver {
    /// Every replica reaches the same BMC over the network.
    fn runs_on_any_replica(&self) -> bool {
        true
    }

    async fn register(&self, resource: &ResourceSpec) -> Result<(), DriverError> {
        self.bmc(resource).map(|_| ())
    }

    async fn perform(
        &self,
        resource: &ResourceSpec,
        action: Action,
        _op: &str,
    ) -> Result<Option<String>, DriverError> {
        let bmc = self.bmc(resource)?;
        let power = bmc.power_state().await?;
        let reset = match (action, power.as_str()) {
            (Action::Start, "On") | (Action::Stop, "Off") => return Ok(None),
            (Action::Start, _) => "On",
            (Action::Stop, _) => bmc.stop_reset_type(),
            // A hard reboot of a server that is off powers it on.
            (Action::Restart, "Off") => "On",
            (Action::Restart, _) => "ForceRestart",
        };
        bmc.reset(reset).await?;
        Ok(Some(format!("ResetType {reset} accepted by the BMC")))
    }

    async fn console_log(&self, resource: &ResourceSpec) -> Result<Option<String>, DriverError> {
        let bmc = self.bmc(resource)?;
        Ok(Some(log::event_log(&bmc).await))
    }

    async fn observe(&self, resource: &ResourceSpec) -> Result<Observed, DriverError> {
        let power = self.bmc(resource)?.power_state().await?;
        let state = state_of(&power);
        let detail = (state == Lifecycle::Unknown).then(|| format!("PowerState {power}"));
        Ok(Observed { state, detail })
    }

    fn step_timeout(&self, resource: &ResourceSpec, _action: Action) -> Option<Duration> {
        config(resource).ok().map(|c| c.power_timeout)
    }

    fn monitored(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
