//! Nova v2.1 (BMS native OpenStack) and Glance v2, as served at the root and under `/compute`.

use super::{bodies, list_of, object, one, strings};
use serde_json::{json, Value};

bodies!(
    GlanceImage,
    GlanceImages,
    GlanceVersions,
    NovaActionOutput,
    NovaExtraSpec,
    NovaExtraSpecs,
    NovaFlavor,
    NovaFlavors,
    NovaInstanceAction,
    NovaInstanceActions,
    NovaInterface,
    NovaInterfaces,
    NovaLimits,
    NovaMeta,
    NovaMetadata,
    NovaRemoteConsole,
    NovaRemoteConsoleRequest,
    NovaServer,
    NovaServerAction,
    NovaServers,
    NovaVersion,
    NovaVersions,
    NovaZones
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::nova::versions::version_root,
    crate::nova::versions::version_v21,
    crate::nova::list::list_servers,
    crate::nova::list::list_servers_detail,
    crate::nova::servers::show_server,
    crate::nova::servers::server_action,
    crate::nova::actions::list_actions,
    crate::nova::actions::show_action,
    crate::nova::metadata::list_metadata,
    crate::nova::metadata::merge_metadata,
    crate::nova::metadata::replace_metadata,
    crate::nova::metadata::show_meta,
    crate::nova::metadata::set_meta,
    crate::nova::metadata::delete_meta,
    crate::nova::interfaces::list_interfaces,
    crate::nova::interfaces::show_interface,
    crate::nova::interfaces::remote_console,
    crate::nova::limits::limits,
    crate::nova::zones::availability_zones,
    crate::nova::zones::availability_zones_detail,
    crate::nova::flavor_list::list_flavors,
    crate::nova::flavor_list::list_flavors_detail,
    crate::nova::flavors::show_flavor,
    crate::nova::flavors::show_extra_specs,
    crate::nova::flavors::show_extra_spec,
    crate::image::versions,
    crate::image::list_images,
    crate::image::show_image,
))]
pub struct Doc;

fn id_name() -> Value {
    let mut item = object(&["id", "name"], strings(&["id", "name"]));
    item["properties"]["links"] = json!({"type": "array", "items": {"type": "object"}});
    item
}

fn string_map() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

pub fn schemas() -> Vec<(&'static str, Value)> {
    let version = object(
        &["id", "status"],
        strings(&["id", "status", "version", "min_version"]),
    );
    let mut server = id_name();
    server["required"] = json!(["id", "name", "status"]);
    server["properties"]["status"] = json!({"type": "string"});
    let action = object(
        &["action", "request_id"],
        strings(&[
            "action",
            "request_id",
            "instance_uuid",
            "start_time",
            "project_id",
        ]),
    );
    let interface = object(
        &["port_id", "port_state"],
        json!({"port_id": {"type": "string"}, "port_state": {"type": "string"},
               "mac_addr": {"type": "string"}, "net_id": {"type": "string"},
               "fixed_ips": {"type": "array", "items": {"type": "object"}}}),
    );
    let console = object(&["protocol", "type"], strings(&["protocol", "type", "url"]));
    let image = object(
        &["id", "status"],
        json!({"id": {"type": "string"},
        "status": {"type": "string"}, "name": {"type": ["string", "null"]}}),
    );
    vec![
        ("NovaVersions", list_of("versions", version.clone())),
        ("NovaVersion", one("version", version.clone())),
        ("NovaServers", list_of("servers", id_name())),
        ("NovaServer", one("server", server)),
        (
            "NovaServerAction",
            json!({
            "description": "One action: `os-start` or `os-stop` (null or {}), `reboot` \
                            ({\"type\": \"SOFT\"|\"HARD\"}), `os-getConsoleOutput` ({\"length\"}).",
            "type": "object",
            "properties": {"os-start": {"type": ["object", "null"]},
                           "os-stop": {"type": ["object", "null"]},
                           "reboot": object(&["type"], strings(&["type"])),
                           "os-getConsoleOutput": {"type": "object"}}}),
        ),
        ("NovaActionOutput", one("output", json!({"type": "string"}))),
        (
            "NovaInstanceActions",
            list_of("instanceActions", action.clone()),
        ),
        ("NovaInstanceAction", one("instanceAction", action)),
        ("NovaMetadata", one("metadata", string_map())),
        ("NovaMeta", one("meta", string_map())),
        (
            "NovaInterfaces",
            list_of("interfaceAttachments", interface.clone()),
        ),
        ("NovaInterface", one("interfaceAttachment", interface)),
        (
            "NovaRemoteConsoleRequest",
            one("remote_console", console.clone()),
        ),
        ("NovaRemoteConsole", one("remote_console", console)),
        (
            "NovaLimits",
            one(
                "limits",
                object(
                    &["absolute"],
                    json!({
            "absolute": {"type": "object", "additionalProperties": {"type": "integer"}},
            "rate": {"type": "array"}}),
                ),
            ),
        ),
        (
            "NovaZones",
            list_of(
                "availabilityZoneInfo",
                object(
                    &["zoneName", "zoneState"],
                    json!({"zoneName": {"type": "string"}, "zoneState": {"type": "object"}}),
                ),
            ),
        ),
        ("NovaFlavors", list_of("flavors", id_name())),
        ("NovaFlavor", one("flavor", id_name())),
        ("NovaExtraSpecs", one("extra_specs", string_map())),
        (
            "NovaExtraSpec",
            json!({"description": "`{\"<key>\": \"<value>\"}`",
            "type": "object", "minProperties": 1, "maxProperties": 1,
            "additionalProperties": {"type": "string"}}),
        ),
        ("GlanceVersions", list_of("versions", version)),
        ("GlanceImages", list_of("images", image.clone())),
        ("GlanceImage", image),
    ]
}
