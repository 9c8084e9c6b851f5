//! A server as Nova shows it; status derived from vm_state and task_state as Nova's table does.

use super::Microversion;
use crate::time::iso_millis;
use serde_json::{json, Value};
use switchboard_core::{now_millis, Lifecycle};
use switchboard_engine::ResourceSnapshot;

/// The compute host of a server whose inventory names none.
pub const DEFAULT_HOST: &str = "bms-host-01";

/// Nova's view of a lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NovaState {
    pub vm_state: &'static str,
    pub task_state: Option<&'static str>,
    pub power_state: u8,
}

impl NovaState {
    pub fn of(state: Lifecycle) -> NovaState {
        let (vm_state, task_state, power_state) = match state {
            Lifecycle::Stopped => ("stopped", None, 4),
            Lifecycle::Starting => ("stopped", Some("powering-on"), 4),
            Lifecycle::Running => ("active", None, 1),
            Lifecycle::Stopping => ("active", Some("powering-off"), 1),
            Lifecycle::Restarting => ("active", Some("reboot_started_hard"), 1),
            Lifecycle::StartFailed => ("error", None, 4),
            Lifecycle::StopFailed => ("error", None, 1),
            Lifecycle::RestartFailed | Lifecycle::Unknown => ("error", None, 0),
        };
        NovaState {
            vm_state,
            task_state,
            power_state,
        }
    }

    /// nova.api.openstack.common's status table (the part servers here can reach).
    pub fn status(&self) -> &'static str {
        match (self.vm_state, self.task_state) {
            ("active", Some("rebooting" | "reboot_pending" | "reboot_started")) => "REBOOT",
            ("active", Some("rebooting_hard" | "reboot_pending_hard" | "reboot_started_hard")) => {
                "HARD_REBOOT"
            }
            ("active", _) => "ACTIVE",
            ("stopped", _) => "SHUTOFF",
            ("error", _) => "ERROR",
            _ => "UNKNOWN",
        }
    }
}

fn link(base: &str, project: &str, kind: &str, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{base}/v2.1/{project}/{kind}/{id}")},
        {"rel": "bookmark", "href": format!("{base}/{project}/{kind}/{id}")},
    ])
}

/// `{id, name, links}` as in a plain server list.
pub fn summary(r: &ResourceSnapshot, base: &str) -> Value {
    json!({"id": r.spec.id, "name": r.spec.name, "links": link(base, &r.spec.project_id, "servers", &r.spec.id)})
}

/// The full server body of show and detail.
pub fn server(r: &ResourceSnapshot, base: &str, version: &Microversion) -> Value {
    let a = &r.spec.attrs;
    let text = |k: &str, default: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let nova = NovaState::of(r.state);
    let project = &r.spec.project_id;
    let addresses: serde_json::Map<String, Value> = a
        .get("addresses")
        .and_then(Value::as_object)
        .map(|nets| {
            nets.iter()
                .map(|(net, ips)| {
                    let ips: Vec<Value> = ips
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .map(|ip| {
                                    json!({"addr": ip.get("addr"), "version": ip.get("version").cloned().unwrap_or(json!(4)),
                                           "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": ip.get("mac")})
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (net.clone(), Value::Array(ips))
                })
                .collect()
        })
        .unwrap_or_default();
    let created = text("created", "2024-01-01T00:00:00Z");
    let host = text("host", DEFAULT_HOST);
    let mut s = json!({
        "id": r.spec.id,
        "name": r.spec.name,
        "status": nova.status(),
        "tenant_id": project,
        "user_id": text("user_id", ""),
        "metadata": a.get("metadata").cloned().unwrap_or(json!({})),
        "hostId": "",
        "image": {"id": text("image", ""), "links": link(base, project, "images", &text("image", ""))},
        "flavor": {"id": text("flavor", ""), "links": link(base, project, "flavors", &text("flavor", ""))},
        "created": created,
        "updated": iso_millis(now_millis()),
        "addresses": addresses,
        "accessIPv4": "",
        "accessIPv6": "",
        "links": link(base, project, "servers", &r.spec.id),
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 0,
        "OS-EXT-AZ:availability_zone": text("availability_zone", "nova"),
        "config_drive": "",
        "key_name": a.get("key_name").cloned().unwrap_or(Value::Null),
        "OS-SRV-USG:launched_at": created,
        "OS-SRV-USG:terminated_at": null,
        "OS-EXT-SRV-ATTR:host": host,
        "OS-EXT-SRV-ATTR:instance_name": text("instance_name", &format!("instance-{}", &r.spec.id[..8.min(r.spec.id.len())])),
        "OS-EXT-SRV-ATTR:hypervisor_hostname": host,
        "OS-EXT-STS:task_state": nova.task_state,
        "OS-EXT-STS:vm_state": nova.vm_state,
        "OS-EXT-STS:power_state": nova.power_state,
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [{"name": "default"}],
    });
    if nova.vm_state == "error" {
        s["fault"] = json!({
            "code": 500,
            "message": r.last_error.clone().unwrap_or_else(|| "the last operation failed".into()),
            "details": r.last_error,
            "created": iso_millis(now_millis()),
        });
    }
    if version.at_least(9) {
        s["locked"] = json!(false);
    }
    if version.at_least(16) {
        s["host_status"] = json!("UP");
    }
    if version.at_least(19) {
        s["description"] = a.get("description").cloned().unwrap_or(Value::Null);
    }
    if version.at_least(26) {
        s["tags"] = a.get("tags").cloned().unwrap_or(json!([]));
    }
    s
}
