//! A server as Nova shows it at each microversion (nova/api/openstack/compute/views/servers.py).

use super::render::{bookmark, is_admin, links, NovaState};
use super::Microversion;
use crate::flavor::{self, Flavor};
use crate::AppState;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha224};
use switchboard_engine::ResourceSnapshot;
use switchboard_identity::Principal;

/// The host of a server whose attributes name none.
pub const DEFAULT_HOST: &str = "bms-host-01";

/// The shown server is read by `show` (which adds 2.71's `server_groups`) or a detailed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Show,
    Detail,
}

/// Everything a server body depends on besides the server.
pub struct Context<'a> {
    pub state: &'a AppState,
    pub who: &'a Principal,
    pub base: &'a str,
    pub version: Microversion,
}

/// `{id, name, links}` as in a plain server list.
pub fn summary(r: &ResourceSnapshot, base: &str) -> Value {
    json!({"id": r.spec.id, "name": r.spec.name, "links": links(base, &r.spec.project_id, "servers", &r.spec.id)})
}

/// When the server was created (`attrs.created`, RFC 3339), in milliseconds.
pub fn created_millis(r: &ResourceSnapshot) -> i64 {
    r.spec
        .attrs
        .get("created")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
        .unwrap_or(1_704_067_200_000)
}

/// When the server last changed: its last state change, never before its creation.
pub fn updated_millis(r: &ResourceSnapshot) -> i64 {
    r.updated_at.max(created_millis(r))
}

/// Nova's `utils.isotime`: seconds and a `Z`.
pub(super) fn isotime(ms: i64) -> String {
    at(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `OS-SRV-USG:launched_at`: microseconds, no zone.
pub(super) fn launched_at(ms: i64) -> String {
    at(ms)
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Nova's `generate_hostid`: sha224 of project and host, empty without a host.
pub fn host_id(project: &str, host: &str) -> String {
    if host.is_empty() {
        return String::new();
    }
    hex::encode(Sha224::digest(format!("{project}{host}").as_bytes()))
}

fn addresses(attrs: &Value) -> Map<String, Value> {
    let Some(nets) = attrs.get("addresses").and_then(Value::as_object) else {
        return Map::new();
    };
    nets.iter()
        .map(|(net, ips)| {
            let ips = ips.as_array().map(Vec::as_slice).unwrap_or_default();
            let ips = ips
                .iter()
                .map(|ip| {
                    json!({"addr": ip.get("addr"), "version": ip.get("version").cloned().unwrap_or(json!(4)),
                           "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": ip.get("mac")})
                })
                .collect();
            (net.clone(), Value::Array(ips))
        })
        .collect()
}

fn flavor_of(c: &Context, r: &ResourceSnapshot) -> Value {
    let Some(f): Option<Flavor> = flavor::of_server(c.state, r) else {
        return json!({});
    };
    if c.version.at_least(47) {
        json!({"vcpus": f.vcpus, "ram": f.ram, "disk": f.disk, "ephemeral": f.ephemeral,
               "swap": f.swap, "original_name": f.name, "extra_specs": f.extra_specs})
    } else {
        json!({"id": f.id, "links": bookmark(c.base, &r.spec.project_id, "flavors", &f.id)})
    }
}

/// The full server body of show and detail.
pub fn server(c: &Context, r: &ResourceSnapshot, view: View) -> Value {
    let a = &r.spec.attrs;
    let text = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let or = |k: &str, default: Value| a.get(k).cloned().unwrap_or(default);
    let nova = NovaState::of(r.state);
    let project = &r.spec.project_id;
    let admin = is_admin(c.who);
    let created = created_millis(r);
    let host = a
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_HOST);
    let image_id = text("image");
    let image = if image_id.is_empty() {
        json!("")
    } else {
        let mut image =
            json!({"id": image_id, "links": bookmark(c.base, project, "images", &image_id)});
        if c.version.at_least(98) {
            image["properties"] = or("image_properties", json!({}));
        }
        image
    };
    let mut s = json!({
        "id": r.spec.id,
        "name": r.spec.name,
        "status": nova.status(),
        "tenant_id": project,
        "user_id": text("user_id"),
        "metadata": or("metadata", json!({})),
        "hostId": host_id(project, host),
        "image": image,
        "flavor": flavor_of(c, r),
        "created": isotime(created),
        "updated": isotime(updated_millis(r)),
        "addresses": addresses(a),
        "accessIPv4": text("access_ip_v4"),
        "accessIPv6": text("access_ip_v6"),
        "links": links(c.base, project, "servers", &r.spec.id),
        "OS-DCF:diskConfig": "MANUAL",
        // Nova's default zone for a server on a host.
        "OS-EXT-AZ:availability_zone": or("availability_zone", json!("nova")),
        "config_drive": text("config_drive"),
        "key_name": or("key_name", Value::Null),
        "OS-SRV-USG:launched_at": launched_at(created),
        "OS-SRV-USG:terminated_at": null,
        "OS-EXT-STS:task_state": nova.task_state,
        "OS-EXT-STS:vm_state": nova.vm_state,
        "OS-EXT-STS:power_state": nova.power_state,
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [{"name": "default"}],
    });
    let status = nova.status();
    if status == "ACTIVE" {
        s["progress"] = json!(0);
    }
    if status == "ERROR" {
        let mut fault = json!({
            "code": 500,
            "message": r.last_error.clone().unwrap_or_else(|| "the last operation failed".into()),
            "created": isotime(r.updated_at),
        });
        // Nova shows a 500 fault's details to administrators only.
        if admin {
            fault["details"] = json!(r.last_error);
        }
        s["fault"] = fault;
    }
    let hostname = a
        .get("hostname")
        .and_then(Value::as_str)
        .unwrap_or(&r.spec.name);
    if admin {
        let short = &r.spec.id[..8.min(r.spec.id.len())];
        s["OS-EXT-SRV-ATTR:host"] = json!(host);
        s["OS-EXT-SRV-ATTR:instance_name"] =
            or("instance_name", json!(format!("instance-{short}")));
        s["OS-EXT-SRV-ATTR:hypervisor_hostname"] = json!(host);
        if c.version.at_least(3) {
            s["OS-EXT-SRV-ATTR:hostname"] = json!(hostname);
            s["OS-EXT-SRV-ATTR:kernel_id"] = json!("");
            s["OS-EXT-SRV-ATTR:launch_index"] = json!(0);
            s["OS-EXT-SRV-ATTR:ramdisk_id"] = json!("");
            s["OS-EXT-SRV-ATTR:reservation_id"] = json!(format!("r-{short}"));
            s["OS-EXT-SRV-ATTR:root_device_name"] = or("root_device_name", json!("/dev/sda"));
            s["OS-EXT-SRV-ATTR:user_data"] = Value::Null;
        }
    }
    let v = |minor| c.version.at_least(minor);
    if v(9) {
        s["locked"] = or("locked", json!(false));
    }
    if v(16) && admin {
        s["host_status"] = json!("UP");
    }
    if v(19) {
        s["description"] = or("description", Value::Null);
    }
    if v(26) {
        s["tags"] = or("tags", json!([]));
    }
    if v(63) {
        s["trusted_image_certificates"] = Value::Null;
    }
    if v(71) && view == View::Show {
        s["server_groups"] = or("server_groups", json!([]));
    }
    if v(73) {
        s["locked_reason"] = or("locked_reason", Value::Null);
    }
    if v(90) && !admin {
        s["OS-EXT-SRV-ATTR:hostname"] = json!(hostname);
    }
    if v(96) {
        s["pinned_availability_zone"] = or("pinned_availability_zone", Value::Null);
    }
    if v(100) {
        s["scheduler_hints"] = or("scheduler_hints", json!({}));
    }
    s
}
