//! `GET /servers` query parameters as Nova's schemas (nova/api/openstack/compute/schemas/
//! servers.py) and `_get_servers` take them: which exist at which microversion, which values
//! are valid, and which a non-administrator may use.

use super::query::{self, Params};
use super::{Microversion, NovaError};

/// Parameters whose values must be regular expressions (`common_query_regex_param`).
const REGEX_PARAMS: &[&str] = &[
    "kernel_id",
    "ramdisk_id",
    "hostname",
    "key_name",
    "power_state",
    "node",
    "flavor",
    "reservation_id",
    "launched_at",
    "terminated_at",
    "availability_zone",
    "name",
    "display_name",
    "description",
    "display_description",
    "locked_by",
    "root_device_name",
    "config_drive",
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "progress",
    "ip",
    "ip6",
    "created_at",
];
const TAG_PARAMS: &[&str] = &["tags", "tags-any", "not-tags", "not-tags-any"];
/// The rest of `index_query`'s properties.
const PLAIN_PARAMS: &[&str] = &[
    "user_id",
    "project_id",
    "tenant_id",
    "launch_index",
    "image_ref",
    "image",
    "vm_state",
    "task_state",
    "host",
    "uuid",
    "sort_key",
    "sort_dir",
    "all_tenants",
    "soft_deleted",
    "deleted",
    "status",
    "changes-since",
    "limit",
    "marker",
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
];
/// Joined-table fields Nova refuses as filters.
const JOINED: &[&str] = &[
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
];
const PAGING_SORTING: &[&str] = &["sort_key", "sort_dir", "limit", "marker"];

/// Sort keys of `VALID_SORT_KEYS` that Nova ignores (refuses from 2.75).
const IGNORED_SORT_KEYS: &[&str] = &[
    "architecture",
    "cell_name",
    "cleaned",
    "default_ephemeral_device",
    "default_swap_device",
    "deleted",
    "deleted_at",
    "disable_terminate",
    "ephemeral_gb",
    "ephemeral_key_uuid",
    "id",
    "key_data",
    "launched_on",
    "locked",
    "memory_mb",
    "os_type",
    "reservation_id",
    "root_gb",
    "shutdown_terminate",
    "user_data",
    "vcpus",
    "vm_mode",
];
const SORT_KEYS: &[&str] = &[
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "availability_zone",
    "config_drive",
    "created_at",
    "display_description",
    "display_name",
    "host",
    "hostname",
    "image_ref",
    "instance_type_id",
    "kernel_id",
    "key_name",
    "launch_index",
    "launched_at",
    "locked_by",
    "node",
    "power_state",
    "progress",
    "project_id",
    "ramdisk_id",
    "root_device_name",
    "task_state",
    "terminated_at",
    "updated_at",
    "user_id",
    "uuid",
    "vm_state",
];

/// Whether `key` is a property of the schema at `v` (from 2.75 nothing else is allowed).
fn known(v: Microversion, key: &str) -> bool {
    REGEX_PARAMS.contains(&key)
        || PLAIN_PARAMS.contains(&key)
        || (v.at_least(26) && TAG_PARAMS.contains(&key))
        || (v.at_least(66) && key == "changes-before")
        || (v.at_least(73) && key == "locked")
}

/// The schema's checks of each value: unknown parameters (2.75), integers, regular
/// expressions, dates, sort keys.
pub fn validate(v: Microversion, p: &Params) -> Result<(), NovaError> {
    if v.at_least(75) {
        let keys: Vec<&str> = p.0.iter().map(|(k, _)| k.as_str()).collect();
        let known_keys: Vec<&str> = keys.iter().copied().filter(|k| known(v, k)).collect();
        p.only(&known_keys)?;
    }
    p.each("limit", |k, x| query::non_negative(k, x).map(drop))?;
    for key in REGEX_PARAMS
        .iter()
        .chain(if v.at_least(26) { TAG_PARAMS } else { &[] })
    {
        p.each(key, |k, x| query::regex(k, x).map(drop))?;
    }
    p.each("changes-since", |k, x| query::datetime(k, x).map(drop))?;
    if v.at_least(66) {
        p.each("changes-before", |k, x| query::datetime(k, x).map(drop))?;
    }
    p.each("sort_key", |k, x| {
        let valid = sort_keys(v);
        if valid.contains(&x) {
            Ok(())
        } else {
            let list: Vec<String> = valid.iter().map(|s| query::repr(s)).collect();
            Err(query::invalid(
                k,
                x,
                format!("{} is not one of [{}]", query::repr(x), list.join(", ")),
            ))
        }
    })
}

/// The valid sort keys at `v`.
fn sort_keys(v: Microversion) -> Vec<&'static str> {
    let mut keys = SORT_KEYS.to_vec();
    if v.at_least(75) {
        keys.push("locked");
    } else {
        keys.extend_from_slice(IGNORED_SORT_KEYS);
    }
    keys
}

/// Sort keys Nova drops silently at `v` (with their direction).
pub fn ignored_sort_key(v: Microversion, key: &str) -> bool {
    !v.at_least(75) && IGNORED_SORT_KEYS.contains(&key) && !(v.at_least(73) && key == "locked")
}

/// `_get_server_search_options`: what a non-administrator may filter by.
fn allowed_for_users(v: Microversion, key: &str) -> bool {
    let base = [
        "reservation_id",
        "name",
        "status",
        "image",
        "flavor",
        "ip",
        "changes-since",
        "all_tenants",
    ];
    base.contains(&key)
        || (v.at_least(5) && key == "ip6")
        || (v.at_least(26) && TAG_PARAMS.contains(&key))
        || (v.at_least(66) && key == "changes-before")
        || (v.at_least(73) && key == "locked")
        || (v.at_least(83)
            && [
                "availability_zone",
                "config_drive",
                "key_name",
                "created_at",
                "launched_at",
                "terminated_at",
                "power_state",
                "task_state",
                "vm_state",
                "progress",
                "user_id",
            ]
            .contains(&key))
        || (v.at_least(90) && key == "hostname")
}

/// The search options left after `remove_invalid_options` (last value of each), with Nova's
/// refusals of joined-table and underscore fields.
pub fn search_options(
    v: Microversion,
    admin: bool,
    p: &Params,
) -> Result<Vec<(String, String)>, NovaError> {
    let mut opts: Vec<(String, String)> = Vec::new();
    for (k, _) in &p.0 {
        let keep = if admin {
            !PAGING_SORTING.contains(&k.as_str())
        } else {
            allowed_for_users(v, k)
        };
        if keep && !opts.iter().any(|(o, _)| o == k) {
            opts.push((k.clone(), p.last(k).unwrap_or("").to_string()));
        }
    }
    if let Some((k, _)) = opts
        .iter()
        .find(|(k, _)| JOINED.contains(&k.as_str()) || k.starts_with('_'))
    {
        return Err(NovaError::bad_request(format!(
            "Invalid filter field: {k}."
        )));
    }
    Ok(opts)
}
