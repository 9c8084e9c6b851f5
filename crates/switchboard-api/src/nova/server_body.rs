//! A server as Nova shows it at each microversion (nova/api/openstack/compute/views/servers.py):
//! one list of entries, borrowed from the snapshot where it holds them. A show writes them
//! straight into its buffer (keys in byte order, as a `serde_json::Map` keeps them); a detailed
//! list and BMS, which edit or fill the body afterwards, take them as a `Value`.
//! `crates/switchboard/tests/it/nova_show_bytes.rs` compares the bytes of a show and of a detailed list's entry.

use super::render::{is_admin, NovaState};
use super::server_fields::{bookmark, Absent, Body, Fault, Image, Link, F};
use super::view::{self, Context, View, DEFAULT_HOST};
use crate::flavor;
use serde_json::Value;
use switchboard_engine::ResourceSnapshot;
use switchboard_store::Metadata;

/// `{"server": …}` of `r` for a show; `stored` is its metadata in the store, if any.
pub fn show(c: &Context, r: &ResourceSnapshot, stored: Option<&Metadata>) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(b"{\"server\":");
    // Serialising borrowed strings and `Value`s into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, &Body(entries(c, r, stored, View::Show)));
    out.push(b'}');
    out
}

/// The full server body of show and detail as a `Value` (metadata from the inventory: a list
/// fills in the store's afterwards).
pub fn server(c: &Context, r: &ResourceSnapshot, view: View) -> Value {
    serde_json::to_value(Body(entries(c, r, None, view))).unwrap_or_default()
}

/// The entries of `r`'s body, sorted by key.
fn entries<'a>(
    c: &'a Context<'a>,
    r: &'a ResourceSnapshot,
    stored: Option<&'a Metadata>,
    view: View,
) -> Vec<(&'static str, F<'a>)> {
    let a = &r.spec.attrs;
    let attr = |k: &str| a.get(k);
    let text = |k: &'static str| F::Str(a.get(k).and_then(Value::as_str).unwrap_or(""));
    let nova = NovaState::of(r.state);
    let project = r.spec.project_id.as_str();
    let id = r.spec.id.as_str();
    let admin = is_admin(c.who);
    let created = view::created_millis(r);
    let host = a
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_HOST);
    let image_id = a.get("image").and_then(Value::as_str).unwrap_or("");
    let image = if image_id.is_empty() {
        F::Str("")
    } else {
        F::Image(Box::new(Image {
            id: image_id,
            links: [bookmark(c.base, project, "images", image_id)],
            properties: c
                .version
                .at_least(98)
                .then(|| F::Attr(attr("image_properties"), Absent::Object)),
        }))
    };
    let metadata = match stored {
        Some(m) => F::Metadata(m),
        None => F::Attr(attr("metadata"), Absent::Object),
    };
    let status = nova.status();
    let flavor = flavor::of_server_borrowed(c.state, r);
    let mut e: Vec<(&'static str, F)> = Vec::with_capacity(48);
    e.extend([
        ("id", F::Str(id)),
        ("name", F::Str(&r.spec.name)),
        ("status", F::Str(status)),
        ("tenant_id", F::Str(project)),
        ("user_id", text("user_id")),
        ("metadata", metadata),
        ("hostId", F::Own(view::host_id(project, host))),
        ("image", image),
        ("flavor", F::Flavor(flavor, c, project)),
        ("created", F::Own(view::isotime(created))),
        ("updated", F::Own(view::isotime(view::updated_millis(r)))),
        (
            "addresses",
            F::Addresses(a.get("addresses").and_then(Value::as_object)),
        ),
        ("accessIPv4", text("access_ip_v4")),
        ("accessIPv6", text("access_ip_v6")),
        (
            "links",
            F::Links(vec![
                Link {
                    href: [c.base, "/v2.1/", project, "/servers/", id].concat(),
                    rel: "self",
                },
                bookmark(c.base, project, "servers", id),
            ]),
        ),
        ("OS-DCF:diskConfig", F::Str("MANUAL")),
        // Nova's default zone for a server on a host.
        (
            "OS-EXT-AZ:availability_zone",
            F::Attr(attr("availability_zone"), Absent::Text("nova")),
        ),
        ("config_drive", text("config_drive")),
        ("key_name", F::Attr(attr("key_name"), Absent::Null)),
        ("OS-SRV-USG:launched_at", F::Own(view::launched_at(created))),
        ("OS-SRV-USG:terminated_at", F::Null),
        (
            "OS-EXT-STS:task_state",
            nova.task_state.map_or(F::Null, F::Str),
        ),
        ("OS-EXT-STS:vm_state", F::Str(nova.vm_state)),
        ("OS-EXT-STS:power_state", F::Int(nova.power_state.into())),
        (
            "os-extended-volumes:volumes_attached",
            F::Attr(None, Absent::Array),
        ),
        ("security_groups", F::Groups),
    ]);
    if status == "ACTIVE" {
        e.push(("progress", F::Int(0)));
    }
    if status == "ERROR" {
        e.push((
            "fault",
            F::Fault(Box::new(Fault {
                code: 500,
                created: view::isotime(r.updated_at),
                // Nova shows a 500 fault's details to administrators only.
                details: admin.then_some(r.last_error.as_deref()),
                message: r
                    .last_error
                    .as_deref()
                    .unwrap_or("the last operation failed"),
            })),
        ));
    }
    let hostname = a
        .get("hostname")
        .and_then(Value::as_str)
        .unwrap_or(&r.spec.name);
    let v = |minor| c.version.at_least(minor);
    if admin {
        let short = &id[..8.min(id.len())];
        e.push(("OS-EXT-SRV-ATTR:host", F::Str(host)));
        e.push((
            "OS-EXT-SRV-ATTR:instance_name",
            match attr("instance_name") {
                Some(v) => F::Attr(Some(v), Absent::Null),
                None => F::Own(format!("instance-{short}")),
            },
        ));
        e.push(("OS-EXT-SRV-ATTR:hypervisor_hostname", F::Str(host)));
        if v(3) {
            e.extend([
                ("OS-EXT-SRV-ATTR:hostname", F::Str(hostname)),
                ("OS-EXT-SRV-ATTR:kernel_id", F::Str("")),
                ("OS-EXT-SRV-ATTR:launch_index", F::Int(0)),
                ("OS-EXT-SRV-ATTR:ramdisk_id", F::Str("")),
                (
                    "OS-EXT-SRV-ATTR:reservation_id",
                    F::Own(format!("r-{short}")),
                ),
                (
                    "OS-EXT-SRV-ATTR:root_device_name",
                    F::Attr(attr("root_device_name"), Absent::Text("/dev/sda")),
                ),
                ("OS-EXT-SRV-ATTR:user_data", F::Null),
            ]);
        }
    }
    let optional: [(u32, bool, &'static str, Absent); 9] = [
        (9, true, "locked", Absent::False),
        (19, true, "description", Absent::Null),
        (26, true, "tags", Absent::Array),
        (63, true, "trusted_image_certificates", Absent::Null),
        (71, view == View::Show, "server_groups", Absent::Array),
        (73, true, "locked_reason", Absent::Null),
        (96, true, "pinned_availability_zone", Absent::Null),
        (100, true, "scheduler_hints", Absent::Object),
        (16, admin, "host_status", Absent::Text("UP")),
    ];
    for (minor, shown, key, default) in optional {
        if !(v(minor) && shown) {
            continue;
        }
        let value = match key {
            // Never an attribute: Nova's own values.
            "trusted_image_certificates" | "host_status" => F::Attr(None, default),
            _ => F::Attr(attr(key), default),
        };
        e.push((key, value));
    }
    if v(90) && !admin {
        e.push(("OS-EXT-SRV-ATTR:hostname", F::Str(hostname)));
    }
    // A `serde_json::Map` iterates its keys in byte order: so does this body.
    e.sort_unstable_by(|x, y| x.0.cmp(y.0));
    e
}
