//! DBSS database O&M instances: start, stop, reboot, list, show (extension), delete and
//! rename; the tenant's instance quota and the service version.
//! Errors are `{"error_code","error_msg","details":[{"error_code","error_msg"}]}`.

pub(crate) mod instances;
pub(crate) mod manage;

pub use instances::{delete_instance, list_instances, operate_instance, show_instance};
pub use manage::{show_instance_quota, show_server_version, update_instance_attribute};

use crate::lookup;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::Action;
use switchboard_engine::ResourceSnapshot;

/// The DBSS server version the version call answers (and instances show unless configured).
pub const VERSION: &str = "23.02.27.181000";

pub mod codes {
    pub const INVALID_REQUEST: &str = "DBSS.10000001";
    pub const INVALID_ID: &str = "DBSS.10020021";
    pub const NOT_FOUND: &str = "DBSS.10021004";
    pub const START_FAILED: &str = "DBSS.10020130";
    pub const STOP_FAILED: &str = "DBSS.10020131";
    pub const REBOOT_FAILED: &str = "DBSS.10020132";
    pub const INTERNAL: &str = "DBSS.11000000";
}

#[derive(Debug)]
pub struct DbssError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl DbssError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        DbssError {
            status,
            code,
            message: message.into(),
        }
    }

    /// A credential of another project than the path's.
    pub fn forbidden() -> Self {
        DbssError::new(
            StatusCode::FORBIDDEN,
            lookup::WRONG_PROJECT_CODE,
            lookup::WRONG_PROJECT,
        )
    }

    /// 403 unless the caller may perform `action`.
    pub fn permit(who: &switchboard_identity::Principal, action: &str) -> Result<(), Self> {
        // A fault rule that hits refuses too: the fault layer answers with its error.
        if crate::faults::allows(who, action) {
            return Ok(());
        }
        Err(DbssError::new(
            StatusCode::FORBIDDEN,
            lookup::WRONG_PROJECT_CODE,
            format!("The IAM user is not authorized to access the API: {action} is not allowed"),
        ))
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "DBSS request failed");
        DbssError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "Internal system exception.",
        )
    }

    /// The refusal of `action` in the code the documentation gives it.
    pub fn refused(action: Action, why: impl Into<String>) -> Self {
        let (code, what) = match action {
            Action::Start => (codes::START_FAILED, "Failed to start DBSS instance"),
            Action::Stop => (codes::STOP_FAILED, "Failed to stop DBSS instance"),
            Action::Restart => (codes::REBOOT_FAILED, "Restarting DBSS instance failed"),
        };
        DbssError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("{what}: {}", why.into()),
        )
    }
}

impl From<switchboard_engine::ResourceError> for DbssError {
    fn from(e: switchboard_engine::ResourceError) -> Self {
        match e {
            switchboard_engine::ResourceError::Unknown(id) => instances::not_found(&id),
            other => DbssError::internal(other),
        }
    }
}

impl From<crate::body::BodyError> for DbssError {
    fn from(e: crate::body::BodyError) -> Self {
        DbssError::new(e.status(), codes::INVALID_REQUEST, e.message())
    }
}

impl IntoResponse for DbssError {
    fn into_response(self) -> Response {
        let body = json!({
            "error_code": self.code,
            "error_msg": self.message,
            "details": [{"error_code": self.code, "error_msg": self.message}],
        });
        (self.status, Json(body)).into_response()
    }
}

/// `status` and `task_status` as DBSS shows them.
pub use switchboard_core::family::dbss_status as status_of;

/// One entry of the `clusters` list.
pub fn cluster_json(r: &ResourceSnapshot) -> Value {
    let a = &r.spec.attrs;
    let text = |k: &str, default: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let region = text("region", "local-1");
    let region = region.as_str();
    let (status, task_status) = status_of(r.state);
    let float_ip = text("float_ip", "");
    let zone = text("zone", &format!("{region}a"));
    json!({
        "activate_info": {
            "dsc_proxy_domain_name": "", "dsc_proxy_ip": float_ip, "dsc_proxy_port": 3306,
            "master_node_id": r.spec.id, "slave_node_id": "",
        },
        "charge_model": text("charge_model", "Demand"),
        "comment": text("comment", ""),
        "created": a.get("created").and_then(Value::as_i64).unwrap_or(1_700_000_000_000i64),
        "deploy_mode": "CLOUD",
        "detail": {"server": [{
            "connect_ip": float_ip, "cpu": text("cpu", "4"), "created": text("created_at", "2023-11-14T22:13:20Z"),
            "description": text("comment", ""), "effect": 0, "instance_id": r.spec.id, "is_active": 0,
            "name": r.spec.name, "ram": text("ram", "8192"), "region": region,
            "resource_spec_code": text("specification", "dbss.bypassaudit.low"), "scene": "",
            "security_group_id": text("security_group_id", ""), "specification": text("specification", "dbss.bypassaudit.low"),
            "status": status, "subnet_id": text("subnet_id", ""), "task_status": task_status,
            "update_status": "SUCCESS", "version": text("version", VERSION), "vpc_id": text("vpc_id", ""),
            "zone": zone, "server_id": r.spec.id,
        }], "total": 1},
        "enterprise_project_id": "0",
        "expired": 0,
        "float_ip": float_ip,
        "instance_id": r.spec.id,
        "is_active_standby": false,
        "keep_days": "",
        "name": r.spec.name,
        "new_version": "",
        "public_ip": text("public_ip", ""),
        "remain_days": "",
    })
}
