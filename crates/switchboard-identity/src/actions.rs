//! Every action name a permission check can ask about, in one list: the lifecycle and read
//! actions of every family, the native API's and the administrators'. The web console asks
//! which of them a caller may perform (`GET /switchboard/v1/session`); the API crate's tests
//! check that every action its handlers check is listed here.

/// Every action, grouped by family, in the order of the README's permission table.
pub const ACTIONS: &[&str] = &[
    // MRS Manager
    "mrs:service:start",
    "mrs:service:stop",
    "mrs:service:restart",
    "mrs:service:get",
    "mrs:command:get",
    "mrs:cluster:list",
    "mrs:cluster:get",
    // DBSS
    "dbss:instance:start",
    "dbss:instance:stop",
    "dbss:instance:reboot",
    "dbss:instance:list",
    "dbss:instance:get",
    "dbss:instance:delete",
    "dbss:instance:rename",
    "dbss:quota:get",
    "dbss:version:get",
    // Live
    "live:ott:updateFlowStatusStart",
    "live:ott:updateFlowStatusStop",
    "live:ott:listFlow",
    "live:ott:getFlowDetail",
    "live:ott:createFlow",
    "live:ott:deleteFlow",
    "live:ott:updateFlowSource",
    "live:ott:createFlowOutput",
    "live:ott:getFlowOutput",
    "live:ott:updateFlowOutput",
    "live:ott:deleteFlowOutput",
    // Nova
    "nova:server:start",
    "nova:server:stop",
    "nova:server:reboot",
    "nova:server:get",
    "nova:server:list",
    "nova:server:metadata:get",
    "nova:server:metadata:update",
    "nova:instanceAction:list",
    "nova:instanceAction:get",
    "nova:instanceAction:events",
    "nova:server:getConsoleOutput",
    "nova:server:listInterfaces",
    "nova:server:getRemoteConsole",
    "nova:limits:get",
    "nova:limits:otherProject",
    "nova:availabilityZone:list",
    "nova:availabilityZone:detail",
    "nova:flavor:list",
    "nova:flavor:get",
    // Glance
    "glance:image:list",
    "glance:image:get",
    // BMS v1
    "bms:servers:start",
    "bms:servers:stop",
    "bms:servers:reboot",
    "bms:jobs:get",
    "bms:servers:get",
    "bms:servers:list",
    "bms:flavors:list",
    "bms:quotas:get",
    // Switchboard's own API
    "switchboard:task:get",
    "switchboard:task:list",
    "switchboard:task:cancel",
    "switchboard:resource:list",
    "switchboard:audit:list",
    "switchboard:event:list",
    "switchboard:metrics:get",
    "switchboard:fault:list",
    "switchboard:fault:update",
    "switchboard:request:list",
    "switchboard:state:reset",
    "switchboard:state:export",
    "switchboard:state:import",
    "switchboard:transition:list",
    "switchboard:transition:update",
    "switchboard:clock:list",
    "switchboard:clock:update",
    // Administration
    "switchboard:user:create",
    "switchboard:user:list",
    "switchboard:user:modify",
    "switchboard:user:delete",
    "switchboard:policy:create",
    "switchboard:policy:list",
    "switchboard:policy:delete",
];

#[cfg(test)]
mod tests {
    use super::ACTIONS;
    use crate::policy::{class_of, ActionClass};
    use std::collections::BTreeSet;

    #[test]
    fn actions_are_distinct_well_formed_and_classed_by_their_verb() {
        let distinct: BTreeSet<_> = ACTIONS.iter().collect();
        assert_eq!(distinct.len(), ACTIONS.len(), "an action listed twice");
        for a in ACTIONS {
            assert!(a.split(':').count() >= 3, "{a}");
            assert!(
                a.chars().all(|c| c.is_ascii_alphabetic() || c == ':'),
                "{a}"
            );
        }
        let class = |a: &str| class_of(a);
        assert_eq!(class("mrs:service:restart"), ActionClass::Operate);
        assert_eq!(class("live:ott:listFlow"), ActionClass::Read);
        assert_eq!(class("switchboard:user:list"), ActionClass::Manage);
        assert_eq!(class("switchboard:fault:list"), ActionClass::Manage);
        assert_eq!(class("switchboard:fault:update"), ActionClass::Manage);
        assert_eq!(class("switchboard:request:list"), ActionClass::Manage);
        assert_eq!(class("switchboard:transition:list"), ActionClass::Manage);
        assert_eq!(class("switchboard:clock:update"), ActionClass::Manage);
    }
}
