//! The `Driver` trait: the only thing that touches the outside world.

use crate::inventory::ResourceSpec;
use crate::lifecycle::{Action, Lifecycle};
use std::time::Duration;

/// What a driver observes of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub state: Lifecycle,
    /// A human-readable detail (an exit status, a BMC message).
    pub detail: Option<String>,
}

impl Observed {
    pub fn new(state: Lifecycle) -> Self {
        Observed {
            state,
            detail: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    /// The external system refused or failed the action; worth retrying.
    #[error("{0}")]
    Failed(String),
    /// The resource is unknown to the driver or misconfigured; retrying will not help.
    #[error("{0}")]
    Permanent(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

impl DriverError {
    pub fn is_retryable(&self) -> bool {
        !matches!(self, DriverError::Permanent(_))
    }
}

/// Every method is idempotent: asking to start a running resource reports running without acting,
/// and asking again while an earlier request is still in progress does not act twice.
#[async_trait::async_trait]
pub trait Driver: Send + Sync + 'static {
    /// Makes sure the driver knows the resource (called for every resource at start-up).
    async fn register(&self, resource: &ResourceSpec) -> Result<(), DriverError>;

    /// Asks the outside world to perform `action`; returns once the request was made, with
    /// whatever output is worth keeping in the step's record.
    /// `op` identifies the operation attempt: performing the same `op` twice acts once.
    async fn perform(
        &self,
        resource: &ResourceSpec,
        action: Action,
        op: &str,
    ) -> Result<Option<String>, DriverError>;

    /// What the outside world says right now.
    async fn observe(&self, resource: &ResourceSpec) -> Result<Observed, DriverError>;

    /// Waits until the resource reaches `target` or the driver sees that it never will.
    /// The default polls `observe`; drivers that know when a transition ends may do better.
    async fn wait_for(
        &self,
        resource: &ResourceSpec,
        target: Lifecycle,
        timeout: Duration,
    ) -> Result<Observed, DriverError> {
        let deadline = tokio::time::Instant::now() + timeout;
        // A fixed interval when the resource asks for one, else quick at first, then backing off.
        let fixed = self.poll_interval(resource);
        let mut interval = fixed.unwrap_or(Duration::from_millis(20));
        loop {
            let seen = self.observe(resource).await?;
            if seen.state == target || seen.state.is_failed() {
                return Ok(seen);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DriverError::Timeout(timeout));
            }
            tokio::time::sleep(interval).await;
            if fixed.is_none() {
                interval = (interval * 2).min(Duration::from_millis(500));
            }
        }
    }

    /// How often `wait_for` looks, when the resource's configuration says (a probe interval).
    fn poll_interval(&self, _resource: &ResourceSpec) -> Option<Duration> {
        None
    }

    /// How long one attempt of `action` may take on this resource, readiness included; the
    /// engine's `step_timeout` when `None`.
    fn step_timeout(&self, _resource: &ResourceSpec, _action: Action) -> Option<Duration> {
        None
    }

    /// Whether the engine should watch resources at rest through `observe`, to notice one that
    /// ends (or starts) on its own. Simulated worlds do not need it.
    fn monitored(&self) -> bool {
        false
    }

    /// The resource's console log as text (a boot log, a process's output, a BMC's event log),
    /// oldest line first; `None` when the driver has no console to show.
    async fn console_log(&self, _resource: &ResourceSpec) -> Result<Option<String>, DriverError> {
        Ok(None)
    }

    /// Whether the operation just performed on the resource is held (a `hang` fault): it ends
    /// only when its task is cancelled, so the engine waits for the cancel instead.
    fn held(&self, _resource: &ResourceSpec) -> bool {
        false
    }

    /// Puts the resource in `state` at once, as a state reset or a snapshot restore asks
    /// (`detail` is a failed state's message). Drivers of real systems have nothing to change.
    async fn reset(
        &self,
        _resource: &ResourceSpec,
        _state: Lifecycle,
        _detail: Option<String>,
    ) -> Result<(), DriverError> {
        Ok(())
    }

    /// Brings what this replica knows of a system several replicas act on up to now. Called
    /// as a task starts running here (accepted, or taken over), so that what another replica
    /// did to its resources before (its task ended, or its lease expired) is seen first.
    async fn catch_up(&self) -> Result<(), DriverError> {
        Ok(())
    }

    /// Whether any replica on a shared database may run steps on this driver's resources,
    /// because each reaches the same system (a BMC, commands that act on something outside the
    /// machine); `false` for a world one replica keeps, which the leader runs.
    fn runs_on_any_replica(&self) -> bool {
        false
    }

    /// How long `action` is expected to take, for progress estimates.
    fn expected_duration(&self, _resource: &ResourceSpec, _action: Action) -> Duration {
        Duration::from_secs(2)
    }
}
