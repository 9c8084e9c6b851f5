//! MRS Manager (service operations, command progress, cluster reads) and DBSS db-om instances.

use super::{bodies, list_of, object, strings};
use serde_json::{json, Value};

bodies!(
    DbssInstance,
    DbssInstances,
    DbssQuota,
    DbssRename,
    DbssResult,
    DbssVersion,
    MrsCommand,
    MrsEnvelope
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::mrs::service::operate_service,
    crate::mrs::command::command_progress,
    crate::mrs::service::service_summary,
    crate::mrs::cluster::cluster_status,
    crate::mrs::cluster::list_clusters,
    crate::dbss::instances::operate_instance,
    crate::dbss::manage::update_instance_attribute,
    crate::dbss::instances::show_instance,
    crate::dbss::instances::delete_instance,
    crate::dbss::instances::list_instances,
    crate::dbss::manage::show_instance_quota,
    crate::dbss::manage::show_server_version,
))]
pub struct Doc;

pub fn schemas() -> Vec<(&'static str, Value)> {
    let envelope = |extra: &[&str]| {
        let mut required = vec!["id", "state", "error_code", "total_progress"];
        required.extend_from_slice(extra);
        object(
            &required,
            json!({
            "id": {"type": "integer"}, "state": {"type": "string"},
            "error_code": {"type": "integer"}, "error_description": {"type": "string"},
            "total_progress": {"type": "number"}, "res_obj": {"type": "object"}}),
        )
    };
    let server = object(
        &["instance_id", "name", "status", "task_status"],
        strings(&[
            "instance_id",
            "name",
            "status",
            "task_status",
            "region",
            "zone",
            "connect_ip",
        ]),
    );
    let instance = object(
        &["instance_id", "name", "detail"],
        json!({
        "instance_id": {"type": "string"}, "name": {"type": "string"},
        "comment": {"type": "string"}, "created": {"type": "integer"},
        "detail": object(&["server"], json!({"server": {"type": "array", "items": server}}))}),
    );
    vec![
        ("MrsCommand", envelope(&[])),
        ("MrsEnvelope", envelope(&["res_obj"])),
        ("DbssResult", object(&["result"], strings(&["result"]))),
        ("DbssRename", object(&["new_name"], strings(&["new_name"]))),
        ("DbssInstance", instance.clone()),
        ("DbssInstances", list_of("clusters", instance)),
        (
            "DbssQuota",
            object(
                &["project_id", "quota"],
                json!({
            "project_id": {"type": "string"}, "quota": {"type": "integer"},
            "cpu": {"type": "integer"}, "ram": {"type": "integer"}}),
            ),
        ),
        ("DbssVersion", object(&["version"], strings(&["version"]))),
    ]
}
