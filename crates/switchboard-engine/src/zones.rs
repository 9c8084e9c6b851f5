//! The availability zones of the servers and their hosts, read from the list index: a zone
//! list costs the number of (zone, host, project) groups, not the number of servers.

use crate::Engine;

/// A zone (the servers' `availability_zone` attribute; `None` when unset) and the hosts
/// (`host` attributes; `None` when unset) of the servers of the projects asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneHosts {
    pub zone: Option<String>,
    pub hosts: Vec<Option<String>>,
}

impl Engine {
    /// Every zone that holds an existing server, with the hosts of the existing servers of
    /// the projects `hosts_of` accepts (each host once), zones and hosts in name order.
    pub fn availability_zones(&self, hosts_of: impl Fn(&str) -> bool) -> Vec<ZoneHosts> {
        let world = self.inner.lock();
        let live = |nodes: &[usize]| nodes.iter().any(|&n| !world.nodes[n].deleted);
        let mut out = Vec::new();
        for (zone, groups) in &world.index.zones {
            let mut hosts: Vec<Option<String>> = Vec::new();
            let mut any = false;
            for ((host, project), nodes) in groups {
                // A deleted server keeps its place in the index: skip groups with none left.
                if !live(nodes) {
                    continue;
                }
                any = true;
                if hosts_of(project) && hosts.last() != Some(host) {
                    hosts.push(host.clone());
                }
            }
            if any {
                hosts.dedup();
                out.push(ZoneHosts {
                    zone: zone.clone(),
                    hosts,
                });
            }
        }
        out
    }
}
