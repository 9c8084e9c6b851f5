//! The values of a server body, serialised from borrowed fields: a show writes them straight
//! into its buffer, a detailed list and BMS turn them into a `Value` (see `server_body`).

use super::view::Context;
use crate::flavor::Flavor;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use switchboard_store::Metadata;

/// What an absent attribute shows as.
#[derive(Clone, Copy)]
pub(super) enum Absent {
    Null,
    Object,
    Array,
    False,
    Four,
    Text(&'static str),
}

/// A value of the body: borrowed where the snapshot holds it, owned where it is made up.
pub(super) enum F<'a> {
    Str(&'a str),
    Own(String),
    Int(i64),
    Null,
    /// An attribute, else its default.
    Attr(Option<&'a Value>, Absent),
    Links(Vec<Link>),
    Image(Box<Image<'a>>),
    Flavor(Option<Cow<'a, Flavor>>, &'a Context<'a>, &'a str),
    Addresses(Option<&'a serde_json::Map<String, Value>>),
    Fault(Box<Fault<'a>>),
    Metadata(&'a Metadata),
    Groups,
}

#[derive(Serialize)]
pub(super) struct Link {
    pub href: String,
    pub rel: &'static str,
}

#[derive(Serialize)]
pub(super) struct Image<'a> {
    pub id: &'a str,
    pub links: [Link; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<F<'a>>,
}

#[derive(Serialize)]
pub(super) struct Fault<'a> {
    pub code: u16,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Option<&'a str>>,
    pub message: &'a str,
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

pub(super) fn bookmark(base: &str, project: &str, kind: &str, id: &str) -> Link {
    Link {
        href: [base, "/", project, "/", kind, "/", id].concat(),
        rel: "bookmark",
    }
}

/// The entries of one server, sorted by key when serialised.
pub(super) struct Body<'a>(pub Vec<(&'static str, F<'a>)>);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
