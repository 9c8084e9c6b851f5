//! `POST …/service/{service_name}/start|stop|restart` and `GET …/services/{service_name}`.

use super::{codes, status_name, visible_cluster, MrsError};
use crate::auth::{Authenticated, PeerAddr, Source};
use crate::gateway::GatewayError;
use crate::login::Account;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::{Action, Inventory, TaskState};
use switchboard_engine::{Operation, ResourceSnapshot, SubmitError};
use switchboard_identity::Principal;

/// The body of a service operation (optional).
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct OperateBody {
    #[serde(default)]
    user_password: Option<String>,
    /// Omitted means true: only this service.
    #[serde(default)]
    only_self: Option<bool>,
}

/// `POST …/service/{service_name}/{operation}`: `start`, `stop`, or the `restart` extension.
#[utoipa::path(
    post,
    path = "/web/v1/maintain/cluster/{cluster_id}/service/{service_name}/{operation}",
    tag = "MRS",
    params(
        ("cluster_id" = String, Path, description = "MRS cluster id", example = "1"),
        ("service_name" = String, Path, description = "Cluster service name", example = "HDFS"),
        ("operation" = String, Path, description = "Operation"),
    ),
    request_body = Option<OperateBody>,
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::MrsCommand),
        crate::openapi::MrsWrite,
    )
)]
pub async fn operate_service(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    PeerAddr(peer): PeerAddr,
    Path((cluster_id, service_name, operation)): Path<(String, String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Response> {
    let action =
        Action::parse(&operation).ok_or_else(|| GatewayError::not_found().into_response())?;
    let caller = Caller { source, peer };
    operate(state, who, caller, cluster_id, service_name, body, action)
        .await
        .map_err(IntoResponse::into_response)
}

/// Where a request came from: the client (audit source, what limits key on) and the TCP peer.
struct Caller {
    source: Option<String>,
    peer: Option<String>,
}

async fn operate(
    state: AppState,
    who: Principal,
    caller: Caller,
    cluster_id: String,
    service_name: String,
    body: Result<Bytes, BytesRejection>,
    action: Action,
) -> Result<Json<Value>, MrsError> {
    super::permit(&who, &format!("mrs:service:{}", action.as_str()))?;
    let body: Option<OperateBody> = crate::body::parse(body)?;
    let service = visible_service(&state, &who, &cluster_id, &service_name)?;
    let (password, only_self) = body.map_or((None, None), |b| (b.user_password, b.only_self));
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        let target = (action, service.spec.id.as_str());
        check_secondary_password(&state, &who, &caller, target, password).await?;
    }
    let source = caller.source;
    let op_action = action;
    let op = Operation {
        project_id: service.spec.project_id.clone(),
        kind: "mrs.service".into(),
        targets: vec![service.spec.id.clone()],
        action,
        only_self: only_self.unwrap_or(true),
        principal: who.audit_name(),
        request_id: crate::request_id::current(),
        source,
        audit_action: format!("mrs:service:{}", action.as_str()),
    };
    match state.engine.submit(op).await {
        Ok(s) => Ok(Json(json!({
            "id": s.task_id,
            "state": if s.state == TaskState::Complete { "COMPLETE" } else { "IN_PROGRESS" },
            "error_code": 0,
            "error_description": "",
            "total_progress": if s.state == TaskState::Complete { 100.0 } else { 0.0 },
        }))),
        Err(SubmitError::Conflict {
            resource,
            task,
            action,
        }) => {
            let name = state
                .engine
                .resource(&resource)
                .map_or(resource, |r| r.spec.name.clone());
            Err(MrsError::new(
                StatusCode::CONFLICT,
                codes::CONFLICT,
                format!(
                    "cannot {} {}: service {name} is busy, command {task} is performing {} on it",
                    op_action.as_str(),
                    service.spec.name,
                    action.as_str()
                ),
            ))
        }
        Err(SubmitError::UnknownResource(r)) => Err(MrsError::new(
            StatusCode::NOT_FOUND,
            codes::NO_SUCH_SERVICE,
            format!("service {r} does not exist"),
        )),
        Err(SubmitError::Engine(e)) => Err(MrsError::internal(e)),
    }
}

/// `user_password` against the caller's own password, under the same per-address and
/// per-account limits and on the same hashing pool as `POST /v3/auth/tokens`.
async fn check_secondary_password(
    state: &AppState,
    who: &Principal,
    caller: &Caller,
    (action, target): (Action, &str),
    password: String,
) -> Result<(), MrsError> {
    let refused = |r: crate::login::Refused| {
        tracing::info!(user = %who.audit_name(), source = ?caller.source, peer = ?caller.peer,
            request_id = %crate::request_id::current(), reason = r.reason(),
            "secondary authentication refused");
        MrsError::too_many_requests(r)
    };
    state
        .logins
        .address(caller.source.as_deref())
        .map_err(refused)?;
    let user = state
        .store
        .user_by_id(&who.user_id)
        .await
        .map_err(MrsError::internal)?;
    let hash = user.map(|u| u.password_hash);
    let ok = state
        .logins
        .verify(Account::Known(&who.user_id), password, hash)
        .await
        .map_err(refused)?;
    if ok {
        return Ok(());
    }
    tracing::warn!(user = %who.audit_name(), source = ?caller.source, peer = ?caller.peer,
        request_id = %crate::request_id::current(), reason = "wrong user_password",
        "secondary authentication failed");
    let audit_action = format!("mrs:service:{}", action.as_str());
    let record = crate::lookup::audit(
        who,
        caller.source.clone(),
        &audit_action,
        target,
        "rejected: wrong user_password",
    );
    if let Err(err) = state.engine.audit(record).await {
        tracing::error!(%err, "audit write failed");
    }
    Err(MrsError::new(
        StatusCode::FORBIDDEN,
        codes::SECONDARY_AUTH_FAILED,
        "secondary authentication failed: user_password is wrong",
    ))
}

fn visible_service(
    state: &AppState,
    who: &Principal,
    cluster_id: &str,
    name: &str,
) -> Result<ResourceSnapshot, MrsError> {
    let cluster = visible_cluster(state, who, cluster_id)?;
    let found = state
        .engine
        .resource(&Inventory::service_id(cluster.id, name));
    if let Some(r) = &found {
        crate::transitions::note(state, r);
    }
    found.ok_or_else(|| {
        MrsError::new(
            StatusCode::NOT_FOUND,
            codes::NO_SUCH_SERVICE,
            format!("service {name} does not exist in cluster {}", cluster.id),
        )
    })
}

#[utoipa::path(
    get,
    path = "/web/v1/cluster/{cluster_id}/services/{service_name}",
    tag = "MRS",
    params(
        ("cluster_id" = String, Path, description = "MRS cluster id", example = "1"),
        ("service_name" = String, Path, description = "Cluster service name", example = "HDFS"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::mrs_dbss::MrsEnvelope),
        crate::openapi::MrsRead,
    )
)]
pub async fn service_summary(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path((cluster_id, service_name)): Path<(String, String)>,
) -> Result<Json<Summary>, MrsError> {
    super::permit(&who, "mrs:service:get")?;
    let service = visible_service(&state, &who, &cluster_id, &service_name)?;
    let depends_on: Vec<String> = service
        .spec
        .depends_on
        .iter()
        .filter_map(|d| state.engine.resource(d).map(|r| r.spec.name.clone()))
        .collect();
    let prop = |name, value: &str, kind| Property {
        name,
        kind,
        value: Value::from(value),
    };
    let mut props = vec![
        prop("Service", &service.spec.name, "TEXT"),
        prop("Running Status", status_name(service.state), "STATUS"),
        prop("Configuration Status", "Synchronized", "TEXT"),
        prop("Depends On", &depends_on.join(","), "TEXT"),
    ];
    if let Some(task) = service.active_task {
        // The task id as a number, as before.
        props.push(Property {
            name: "Running Command",
            kind: "TEXT",
            value: Value::from(task),
        });
    }
    if let Some(err) = &service.last_error {
        props.push(prop("Last Error", err, "TEXT"));
    }
    Ok(Json(Summary {
        error_code: 0,
        error_description: "",
        id: -1,
        res_obj: KeyProperties {
            key_property: props,
        },
        state: "COMPLETE",
        total_progress: 100.0,
    }))
}

/// [`super::ok_envelope`] of the key properties, serialized without building a JSON tree
/// (fields in the order the tree's sorted keys gave).
#[derive(serde::Serialize)]
pub struct Summary {
    error_code: i64,
    error_description: &'static str,
    id: i64,
    res_obj: KeyProperties,
    state: &'static str,
    total_progress: f64,
}

#[derive(serde::Serialize)]
struct KeyProperties {
    key_property: Vec<Property>,
}

#[derive(serde::Serialize)]
struct Property {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    value: Value,
}
