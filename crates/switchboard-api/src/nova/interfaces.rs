//! `GET …/servers/{server_id}/os-interface[/{port_id}]` (one interface per MAC of the server's addresses,
//! with ids derived stably from it) and `POST …/servers/{server_id}/remote-consoles`, which
//! answers as Nova does when no console of that type is enabled: 400, never a made-up URL.

use super::servers::find;
use super::{reply, Microversion, NovaError};
use crate::auth::Authenticated;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::Lifecycle;
use switchboard_engine::ResourceSnapshot;
use uuid::Uuid;

/// A stable id for `what`, the same on every run.
fn derived(what: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("switchboard:{what}").as_bytes(),
    )
    .to_string()
}

/// The interfaces of a server: its addresses grouped by network and MAC.
fn interfaces(server: &ResourceSnapshot, version: &Microversion) -> Vec<Value> {
    let up = matches!(
        server.state,
        Lifecycle::Running | Lifecycle::Stopping | Lifecycle::Restarting
    );
    let mut out: Vec<(String, String, Vec<Value>)> = Vec::new();
    let nets = server
        .spec
        .attrs
        .get("addresses")
        .and_then(Value::as_object);
    for (net, ips) in nets.into_iter().flatten() {
        for ip in ips.as_array().into_iter().flatten() {
            let mac = ip
                .get("mac")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let addr = ip.get("addr").and_then(Value::as_str).unwrap_or("");
            let ip_version = ip.get("version").and_then(Value::as_u64).unwrap_or(4);
            let fixed = json!({"ip_address": addr, "subnet_id": derived(&format!("subnet/{net}/v{ip_version}"))});
            match out.iter_mut().find(|(n, m, _)| n == net && *m == mac) {
                Some((_, _, fixed_ips)) => fixed_ips.push(fixed),
                None => out.push((net.clone(), mac, vec![fixed])),
            }
        }
    }
    out.into_iter()
        .map(|(net, mac, fixed_ips)| {
            let mut i = json!({
                "fixed_ips": fixed_ips,
                "mac_addr": mac,
                "net_id": derived(&format!("network/{net}")),
                "port_id": derived(&format!("port/{}/{net}/{mac}", server.spec.id)),
                "port_state": if up { "ACTIVE" } else { "DOWN" },
            });
            if version.at_least(70) {
                i["tag"] = Value::Null;
            }
            i
        })
        .collect()
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}/os-interface",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaInterfaces),
        crate::openapi::NovaRead,
    )
)]
pub async fn list_interfaces(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((project_id, server_id)): Path<(String, String)>,
) -> Response {
    let result = NovaError::permit(&who, "nova:server:listInterfaces")
        .and_then(|()| find(&state, &who, &project_id, &server_id))
        .map(|s| Json(json!({"interfaceAttachments": interfaces(&s, &version)})).into_response());
    reply(result, &version)
}

/// `GET …/os-interface/{port_id}`: one of the server's interfaces; a port it does not have is
/// Nova's 404 for an unknown port.
#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
        ("port_id" = String, Path, description = "Port id"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaInterface),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_interface(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((project_id, server_id, port_id)): Path<(String, String, String)>,
) -> Response {
    let result = NovaError::permit(&who, "nova:server:listInterfaces")
        .and_then(|()| find(&state, &who, &project_id, &server_id))
        .and_then(|s| {
            interfaces(&s, &version)
                .into_iter()
                .find(|i| i["port_id"] == port_id.as_str())
                .ok_or_else(|| {
                    NovaError::new(
                        StatusCode::NOT_FOUND,
                        format!("Port id {port_id} could not be found."),
                    )
                })
        })
        .map(|i| Json(json!({"interfaceAttachment": i})).into_response());
    reply(result, &version)
}

/// Console types per protocol, as Nova's schema allows them (mks from 2.8, spice-direct 2.99).
fn known(protocol: &str, kind: &str, version: &Microversion) -> bool {
    match protocol {
        "vnc" => matches!(kind, "novnc" | "xvpvnc"),
        "spice" => kind == "spice-html5" || (kind == "spice-direct" && version.at_least(99)),
        "serial" => kind == "serial",
        "mks" => kind == "webmks" && version.at_least(8),
        _ => false,
    }
}

fn parse_console(
    body: Result<Bytes, BytesRejection>,
    version: &Microversion,
) -> Result<String, NovaError> {
    let body: Value = crate::body::parse(body)?
        .ok_or_else(|| NovaError::bad_request("'remote_console' is a required property"))?;
    let rc = body
        .get("remote_console")
        .filter(|_| body.as_object().is_some_and(|o| o.len() == 1))
        .ok_or_else(|| NovaError::bad_request("'remote_console' is a required property"))?;
    let text = |k: &str| rc.get(k).and_then(Value::as_str);
    let (Some(protocol), Some(kind)) = (text("protocol"), text("type")) else {
        return Err(NovaError::bad_request(format!(
            "Invalid input for field/attribute remote_console. Value: {rc}. 'protocol' and 'type' are required strings"
        )));
    };
    if rc.as_object().is_some_and(|o| o.len() != 2) || !known(protocol, kind, version) {
        return Err(NovaError::bad_request(format!(
            "Invalid input for field/attribute remote_console. Value: {rc}. {rc} is not valid under any of the given schemas"
        )));
    }
    Ok(kind.to_string())
}

#[utoipa::path(
    post,
    path = "/v2.1/{project_id}/servers/{server_id}/remote-consoles",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("server_id" = String, Path, description = "Server id", example = "95bf2490-5428-432c-ad9b-5e3406f869dd"),
    ),
    request_body = crate::openapi::compute::NovaRemoteConsoleRequest,
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaRemoteConsole),
        crate::openapi::NovaWrite,
    )
)]
pub async fn remote_console(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((project_id, server_id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = (|| {
        // The API exists from 2.6; before it Nova knows no such resource.
        if !version.at_least(6) {
            return Err(NovaError::new(
                StatusCode::NOT_FOUND,
                "The resource could not be found.",
            ));
        }
        let kind = parse_console(body, &version)?;
        NovaError::permit(&who, "nova:server:getRemoteConsole")?;
        find(&state, &who, &project_id, &server_id)?;
        // No console proxy is enabled for these servers: Nova's ConsoleTypeUnavailable.
        Err(NovaError::bad_request(format!(
            "Unavailable console type {kind}."
        )))
    })();
    reply(result, &version)
}
