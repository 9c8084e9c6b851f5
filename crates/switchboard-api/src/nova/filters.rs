//! How each search option of `GET /servers` selects servers, as Nova's database filters do
//! (regular expressions searched anywhere, exact matches, status, change times, tags).

use super::query;
use super::render::{NovaState, StatusFilter};
use super::view::updated_millis;
use super::NovaError;
use crate::flavor;
use crate::AppState;
use regex::Regex;
use serde_json::Value;
use switchboard_engine::ResourceSnapshot;

/// One filter over a server.
pub enum Filter {
    Regex(fn(&Facts) -> Vec<String>, Regex),
    Exact(fn(&Facts) -> Vec<String>, String),
    Status(StatusFilter),
    Since(i64),
    Before(i64),
    /// Nova's tag filters: `tags` (all), `tags-any`, `not-tags` (not all), `not-tags-any`.
    Tags {
        any: bool,
        not: bool,
        tags: Vec<String>,
    },
    /// A filter nothing passes (an unknown flavor, deleted servers).
    Nothing,
}

/// What filters and sorting read of a server.
pub struct Facts<'a> {
    pub r: &'a ResourceSnapshot,
    pub nova: NovaState,
    pub flavor: String,
    /// Inventory position: Nova's internal `id`, which closes every sort order.
    pub index: usize,
}

impl<'a> Facts<'a> {
    pub fn of(state: &AppState, r: &'a ResourceSnapshot, index: usize) -> Facts<'a> {
        Facts {
            r,
            index,
            nova: NovaState::of(r.state),
            flavor: flavor::of_server(state, r)
                .map(|f| f.id)
                .unwrap_or_default(),
        }
    }

    pub fn attr(&self, key: &str) -> String {
        match self.r.spec.attrs.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// The server's host, as its view shows it.
    pub fn host(&self) -> String {
        Some(self.attr("host"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| super::view::DEFAULT_HOST.into())
    }

    /// The server's availability zone, Nova's default `nova` when it names none.
    pub fn zone(&self) -> String {
        Some(self.attr("availability_zone"))
            .filter(|z| !z.is_empty())
            .unwrap_or_else(|| "nova".into())
    }

    fn ips(&self, version: u64) -> Vec<String> {
        let nets = self
            .r
            .spec
            .attrs
            .get("addresses")
            .and_then(Value::as_object);
        nets.into_iter()
            .flat_map(|n| n.values())
            .filter_map(Value::as_array)
            .flatten()
            .filter(|ip| ip.get("version").and_then(Value::as_u64).unwrap_or(4) == version)
            .filter_map(|ip| ip.get("addr").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

impl Filter {
    pub fn passes(&self, f: &Facts) -> bool {
        match self {
            Filter::Regex(get, re) => get(f).iter().any(|s| re.is_match(s)),
            Filter::Exact(get, want) => get(f).iter().any(|s| s == want),
            Filter::Status(s) => s.matches(&f.nova),
            Filter::Since(t) => updated_millis(f.r) >= *t,
            Filter::Before(t) => updated_millis(f.r) <= *t,
            Filter::Tags { any, not, tags } => {
                let has = f.r.spec.attrs.get("tags").and_then(Value::as_array);
                let has = |t: &String| has.is_some_and(|h| h.iter().any(|x| x.as_str() == Some(t)));
                let hit = if *any {
                    tags.iter().any(has)
                } else {
                    tags.iter().all(has)
                };
                hit != *not
            }
            Filter::Nothing => false,
        }
    }
}

/// The filters of the search options Switchboard's servers can answer; the others select all.
pub fn filters(
    state: &AppState,
    project: &str,
    opts: &[(String, String)],
) -> Result<Vec<Filter>, NovaError> {
    let mut out = Vec::new();
    for (k, x) in opts {
        let re = |get: fn(&Facts) -> Vec<String>| query::regex(k, x).map(|r| Filter::Regex(get, r));
        let exact = |get: fn(&Facts) -> Vec<String>| Filter::Exact(get, x.clone());
        out.push(match k.as_str() {
            "name" | "display_name" => re(|f| vec![f.r.spec.name.clone()])?,
            "description" | "display_description" => re(|f| vec![f.attr("description")])?,
            "ip" => re(|f| f.ips(4))?,
            "ip6" => re(|f| f.ips(6))?,
            "availability_zone" => re(|f| vec![f.zone()])?,
            "hostname" => re(|f| {
                vec![Some(f.attr("hostname"))
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| f.r.spec.name.clone())]
            })?,
            "key_name" => re(|f| vec![f.attr("key_name")])?,
            "node" => re(|f| vec![f.host()])?,
            "image" | "image_ref" => exact(|f| vec![f.attr("image")]),
            "host" => exact(|f| vec![f.host()]),
            "user_id" => exact(|f| vec![f.attr("user_id")]),
            "uuid" => exact(|f| vec![f.r.spec.id.clone()]),
            "vm_state" => exact(|f| vec![f.nova.vm_state.to_string()]),
            "task_state" => exact(|f| f.nova.task_state.map(str::to_string).into_iter().collect()),
            "power_state" => re(|f| vec![f.nova.power_state.to_string()])?,
            "project_id" | "tenant_id" => exact(|f| vec![f.r.spec.project_id.clone()]),
            "flavor" => match flavor::find(state, project, x) {
                Some(fl) => Filter::Exact(|f| vec![f.flavor.clone()], fl.id),
                None => Filter::Nothing,
            },
            "changes-since" => Filter::Since(query::datetime(k, x)?),
            "changes-before" => Filter::Before(query::datetime(k, x)?),
            "deleted" if query::strict_bool(x) == Some(true) => Filter::Nothing,
            "tags" | "tags-any" | "not-tags" | "not-tags-any" => Filter::Tags {
                any: k.ends_with("-any"),
                not: k.starts_with("not-"),
                tags: x.split(',').map(str::to_string).collect(),
            },
            _ => continue,
        });
    }
    Ok(out)
}
