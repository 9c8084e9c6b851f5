//! `{"server": …}` of a show, serialised from borrowed fields straight into one buffer: the
//! same bytes as `view::server` turned into a `Value` and serialised (keys in byte order, as a
//! `serde_json::Map` keeps them), without building the tree. `tests/nova_show_bytes.rs` compares
//! the bytes of the two.

use super::render::{is_admin, NovaState};
use super::view::{self, Context, DEFAULT_HOST};
use crate::flavor::{self, Flavor};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use switchboard_engine::ResourceSnapshot;
use switchboard_store::Metadata;

/// What an absent attribute shows as.
#[derive(Clone, Copy)]
enum Absent {
    Null,
    Object,
    Array,
    False,
    Four,
    Text(&'static str),
}

/// A value of the body: borrowed where the snapshot holds it, owned where it is made up.
enum F<'a> {
    Str(&'a str),
    Own(String),
    Int(i64),
    Null,
    /// An attribute, else its default.
    Attr(Option<&'a Value>, Absent),
    Links(Vec<Link>),
    Image(Box<Image<'a>>),
    Flavor(Option<&'a Flavor>, &'a Context<'a>, &'a str),
    Addresses(Option<&'a serde_json::Map<String, Value>>),
    Fault(Box<Fault<'a>>),
    Metadata(&'a Metadata),
    Groups,
}

#[derive(Serialize)]
struct Link {
    href: String,
    rel: &'static str,
}

#[derive(Serialize)]
struct Image<'a> {
    id: &'a str,
    links: [Link; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<F<'a>>,
}

#[derive(Serialize)]
struct Fault<'a> {
    code: u16,
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Option<&'a str>>,
    message: &'a str,
}

#[derive(Serialize)]
struct FlavorFull<'a> {
    disk: u64,
    ephemeral: u64,
    extra_specs: &'a std::collections::BTreeMap<String, String>,
    original_name: &'a str,
    ram: u64,
    swap: u64,
    vcpus: u32,
}

#[derive(Serialize)]
struct FlavorRef<'a> {
    id: &'a str,
    links: [Link; 1],
}

/// One fixed address as Nova shows it.
#[derive(Serialize)]
struct Ip<'a> {
    #[serde(rename = "OS-EXT-IPS-MAC:mac_addr")]
    mac: Option<&'a Value>,
    #[serde(rename = "OS-EXT-IPS:type")]
    kind: &'static str,
    addr: Option<&'a Value>,
    version: F<'a>,
}

impl Serialize for F<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            F::Str(v) => s.serialize_str(v),
            F::Own(v) => s.serialize_str(v),
            F::Int(v) => s.serialize_i64(*v),
            F::Null => s.serialize_unit(),
            F::Attr(Some(v), _) => v.serialize(s),
            F::Attr(None, d) => match d {
                Absent::Null => s.serialize_unit(),
                Absent::Object => s.serialize_map(Some(0))?.end(),
                Absent::Array => s.collect_seq(std::iter::empty::<()>()),
                Absent::False => s.serialize_bool(false),
                Absent::Four => s.serialize_u64(4),
                Absent::Text(t) => s.serialize_str(t),
            },
            F::Links(links) => links.serialize(s),
            F::Image(image) => image.serialize(s),
            F::Flavor(None, ..) => s.serialize_map(Some(0))?.end(),
            F::Flavor(Some(f), c, _) if c.version.at_least(47) => FlavorFull {
                disk: f.disk,
                ephemeral: f.ephemeral,
                extra_specs: &f.extra_specs,
                original_name: &f.name,
                ram: f.ram,
                swap: f.swap,
                vcpus: f.vcpus,
            }
            .serialize(s),
            F::Flavor(Some(f), c, project) => FlavorRef {
                id: &f.id,
                links: [bookmark(c.base, project, "flavors", &f.id)],
            }
            .serialize(s),
            F::Addresses(None) => s.serialize_map(Some(0))?.end(),
            F::Addresses(Some(nets)) => {
                let mut m = s.serialize_map(Some(nets.len()))?;
                for (net, ips) in nets.iter() {
                    let ips = ips.as_array().map(Vec::as_slice).unwrap_or_default();
                    let ips: Vec<Ip> = ips
                        .iter()
                        .map(|ip| Ip {
                            mac: ip.get("mac"),
                            kind: "fixed",
                            addr: ip.get("addr"),
                            version: F::Attr(ip.get("version"), Absent::Four),
                        })
                        .collect();
                    m.serialize_entry(net, &ips)?;
                }
                m.end()
            }
            F::Fault(fault) => fault.serialize(s),
            F::Metadata(m) => m.serialize(s),
            F::Groups => {
                #[derive(Serialize)]
                struct Group {
                    name: &'static str,
                }
                [Group { name: "default" }].serialize(s)
            }
        }
    }
}

fn bookmark(base: &str, project: &str, kind: &str, id: &str) -> Link {
    Link {
        href: format!("{base}/{project}/{kind}/{id}"),
        rel: "bookmark",
    }
}

/// The entries of one server, sorted by key when serialised.
struct Body<'a>(Vec<(&'static str, F<'a>)>);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// `{"server": …}` of `r` for a show; `stored` is its metadata in the store, if any.
pub fn show(c: &Context, r: &ResourceSnapshot, stored: Option<&Metadata>) -> Vec<u8> {
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
    // Entries stay small (they are sorted): the flavor is borrowed from here.
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
        ("flavor", F::Flavor(flavor.as_deref(), c, project)),
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
                    href: format!("{}/v2.1/{project}/servers/{id}", c.base),
                    rel: "self",
                },
                bookmark(c.base, project, "servers", id),
            ]),
        ),
        ("OS-DCF:diskConfig", F::Str("MANUAL")),
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
        (71, true, "server_groups", Absent::Array),
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
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(b"{\"server\":");
    // Serialising borrowed strings and `Value`s into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, &Body(e));
    out.push(b'}');
    out
}
