//! Talking to one BMC over Redfish: HTTP Basic credentials, TLS verified unless told otherwise.

use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;
use switchboard_core::DriverError;
use tokio::sync::OnceCell;

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedfishConfig {
    /// The BMC's base URL, e.g. `https://10.0.0.5`.
    pub url: String,
    /// The system's id under `/redfish/v1/Systems`; the only system when absent.
    #[serde(default)]
    pub system: Option<String>,
    pub username: String,
    /// The password (test inventories) or the environment variable holding it.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// Verify the BMC's certificate (default); `false` accepts any.
    #[serde(default = "yes")]
    pub verify_tls: bool,
    /// Extra CA certificate (PEM) to trust.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Longest one request may take.
    #[serde(default = "request_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Longest wait for `PowerState` to match after a reset.
    #[serde(default = "power_timeout", with = "humantime_serde")]
    pub power_timeout: Duration,
    /// `ForceOff` (default, as BMS stops are forcible) or `GracefulShutdown`.
    #[serde(default = "force_off")]
    pub stop: String,
}

impl std::fmt::Debug for RedfishConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedfishConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn yes() -> bool {
    true
}

fn request_timeout() -> Duration {
    Duration::from_secs(10)
}

fn power_timeout() -> Duration {
    Duration::from_secs(120)
}

fn force_off() -> String {
    "ForceOff".into()
}

impl RedfishConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(format!("url must be http:// or https://, not {}", self.url));
        }
        if self.password.is_none() && self.password_env.is_none() {
            return Err("set password or password_env".into());
        }
        if !matches!(self.stop.as_str(), "ForceOff" | "GracefulShutdown") {
            return Err(format!(
                "stop must be ForceOff or GracefulShutdown, not {}",
                self.stop
            ));
        }
        Ok(())
    }

    fn password(&self) -> String {
        self.password
            .clone()
            .or_else(|| {
                self.password_env
                    .as_ref()
                    .and_then(|v| std::env::var(v).ok())
            })
            .unwrap_or_default()
    }
}

pub struct Bmc {
    cfg: RedfishConfig,
    http: reqwest::Client,
    /// `/redfish/v1/Systems/{id}`, found once.
    system: OnceCell<String>,
}

impl Bmc {
    pub fn new(cfg: RedfishConfig) -> Result<Bmc, DriverError> {
        let mut builder = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .danger_accept_invalid_certs(!cfg.verify_tls);
        if let Some(ca) = &cfg.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| DriverError::Permanent(format!("ca_file {}: {e}", ca.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| DriverError::Permanent(format!("ca_file {}: {e}", ca.display())))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| DriverError::Permanent(format!("redfish client: {e}")))?;
        Ok(Bmc {
            cfg,
            http,
            system: OnceCell::new(),
        })
    }

    pub fn stop_reset_type(&self) -> &'static str {
        if self.cfg.stop == "GracefulShutdown" {
            "GracefulShutdown"
        } else {
            "ForceOff"
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cfg.url.trim_end_matches('/'))
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Value, DriverError> {
        let resp = req
            .basic_auth(&self.cfg.username, Some(self.cfg.password()))
            .send()
            .await
            .map_err(|e| {
                DriverError::Failed(format!("BMC {} unreachable ({what}): {e}", self.cfg.url))
            })?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let words = body
            .pointer("/error/@Message.ExtendedInfo/0/Message")
            .or_else(|| body.pointer("/error/message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
        let message = format!(
            "BMC {} refused {what}: {} {words}",
            self.cfg.url,
            status.as_u16()
        );
        // Credentials do not fix themselves; anything else may be worth another try.
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            Err(DriverError::Permanent(message))
        } else {
            Err(DriverError::Failed(message))
        }
    }

    async fn system_path(&self) -> Result<&String, DriverError> {
        self.system
            .get_or_try_init(|| async {
                if let Some(id) = &self.cfg.system {
                    return Ok(format!("/redfish/v1/Systems/{id}"));
                }
                let systems = self
                    .send(
                        self.http.get(self.url("/redfish/v1/Systems")),
                        "the system list",
                    )
                    .await?;
                let members = systems["Members"].as_array().cloned().unwrap_or_default();
                match members.as_slice() {
                    [only] => only["@odata.id"]
                        .as_str()
                        .map(str::to_string)
                        .ok_or_else(|| {
                            DriverError::Permanent("the BMC's system has no @odata.id".into())
                        }),
                    other => Err(DriverError::Permanent(format!(
                        "the BMC has {} systems; set `system` to choose one",
                        other.len()
                    ))),
                }
            })
            .await
    }

    /// A GET of `path` on the BMC.
    pub(super) async fn get(&self, path: &str, what: &str) -> Result<Value, DriverError> {
        self.send(self.http.get(self.url(path)), what).await
    }

    /// The system's path, `/redfish/v1/Systems/{id}`.
    pub(super) async fn system(&self) -> Result<String, DriverError> {
        self.system_path().await.cloned()
    }

    pub async fn power_state(&self) -> Result<String, DriverError> {
        let path = self.system_path().await?.clone();
        let system = self
            .send(self.http.get(self.url(&path)), "the system")
            .await?;
        Ok(system["PowerState"]
            .as_str()
            .unwrap_or("Unknown")
            .to_string())
    }

    pub async fn reset(&self, reset_type: &str) -> Result<(), DriverError> {
        let path = self.system_path().await?.clone();
        let target = format!("{path}/Actions/ComputerSystem.Reset");
        let req = self
            .http
            .post(self.url(&target))
            .json(&json!({ "ResetType": reset_type }));
        self.send(req, &format!("ResetType {reset_type}"))
            .await
            .map(|_| ())
    }
}
