//! Live flows (StreamConnect) and the BMS v1 API.

use super::{bodies, list_of, object, one, strings};
use serde_json::{json, Value};

bodies!(
    BmsBatchAction,
    BmsFlavors,
    BmsJob,
    BmsJobId,
    BmsQuota,
    BmsServer,
    BmsServers,
    BmsVersion,
    LiveCreatedFlow,
    LiveFlow,
    LiveFlowRequest,
    LiveFlowStatus,
    LiveFlows,
    LiveOutput,
    LiveOutputInfo,
    LiveOutputRequest,
    LiveSources
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::live::flows::start_flow,
    crate::live::flows::stop_flow,
    crate::live::flows::flow_detail,
    crate::live::sources::modify_flow_sources,
    crate::live::outputs::show_output_info,
    crate::live::outputs::create_flow_output,
    crate::live::outputs::modify_flow_output,
    crate::live::outputs::delete_flow_output,
    crate::live::flows::list_flows,
    crate::live::create::create_flow,
    crate::live::flows::delete_flow,
    crate::bms::actions::batch_action,
    crate::bms::jobs::show_job,
    crate::bms::info::show_version,
    crate::bms::servers::list_servers,
    crate::bms::servers::list_servers_v11,
    crate::bms::flavors::list_flavors,
    crate::bms::info::show_quota,
    crate::bms::servers::show_server,
))]
pub struct Doc;

pub fn schemas() -> Vec<(&'static str, Value)> {
    let flow = object(&["flow_id"], {
        let mut p = strings(&["flow_id", "name", "status", "region", "description"]);
        p["sources"] = json!({"type": "array", "items": {"type": "object"}});
        p["outputs"] = json!({"type": "array", "items": {"type": "object"}});
        p
    });
    let server = object(
        &["id", "name", "status"],
        strings(&["id", "name", "status"]),
    );
    let servers_ref = json!({"type": "array", "minItems": 1,
        "items": object(&["id"], strings(&["id"]))});
    vec![
        (
            "LiveFlowStatus",
            object(&["flow_id"], strings(&["flow_id", "status", "output_name"])),
        ),
        ("LiveFlow", flow.clone()),
        ("LiveCreatedFlow", one("flow", flow)),
        ("LiveFlows", {
            let mut l = list_of(
                "flows",
                object(
                    &["flow_id", "name", "status"],
                    strings(&[
                        "flow_id",
                        "name",
                        "status",
                        "region",
                        "protocol",
                        "description",
                    ]),
                ),
            );
            l["properties"]["total"] = json!({"type": "integer"});
            l
        }),
        (
            "LiveFlowRequest",
            object(
                &["name"],
                json!({
            "name": {"type": "string"}, "region": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "object"}}}),
            ),
        ),
        (
            "LiveSources",
            json!({"description": "One source's settings (name, protocol, …).",
            "type": "object"}),
        ),
        (
            "LiveOutput",
            object(
                &["flow_id"],
                json!({"flow_id": {"type": "string"},
            "outputs": {"type": "array", "items": {"type": "object"}}}),
            ),
        ),
        (
            "LiveOutputInfo",
            object(
                &["name", "output_status", "health_status"],
                strings(&["name", "protocol", "type", "output_status", "health_status"]),
            ),
        ),
        (
            "LiveOutputRequest",
            object(&["name"], strings(&["name", "protocol", "url"])),
        ),
        (
            "BmsBatchAction",
            json!({
            "description": "Exactly one of `os-start`, `os-stop`, `reboot` with `servers`; \
                            `os-stop` and `reboot` take `type` (SOFT|HARD).",
            "type": "object", "minProperties": 1, "maxProperties": 1,
            "properties": {
                "os-start": object(&["servers"], json!({"servers": servers_ref})),
                "os-stop": object(&["servers"], json!({"servers": servers_ref,
                    "type": {"enum": ["SOFT", "HARD"]}})),
                "reboot": object(&["servers"], json!({"servers": servers_ref,
                    "type": {"enum": ["SOFT", "HARD"]}}))}}),
        ),
        ("BmsJobId", object(&["job_id"], strings(&["job_id"]))),
        (
            "BmsJob",
            object(
                &["job_id", "status"],
                json!({"job_id": {"type": "string"},
            "status": {"type": "string"}, "job_type": {"type": "string"},
            "entities": {"type": "object"}, "fail_reason": {"type": ["string", "null"]}}),
            ),
        ),
        (
            "BmsVersion",
            one(
                "version",
                object(&["id", "status"], strings(&["id", "status"])),
            ),
        ),
        ("BmsServers", {
            let mut l = list_of("servers", server.clone());
            l["properties"]["count"] = json!({"type": "integer"});
            l
        }),
        ("BmsServer", one("server", server)),
        (
            "BmsFlavors",
            list_of("flavors", object(&["id", "name"], strings(&["id", "name"]))),
        ),
        (
            "BmsQuota",
            one(
                "absolute",
                json!({"type": "object",
            "additionalProperties": {"type": "integer"}}),
            ),
        ),
    ]
}
