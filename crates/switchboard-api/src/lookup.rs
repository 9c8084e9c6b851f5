//! What every family needs: the caller's project against the path's, resources of a kind in
//! that project, and submitting an operation on them.

use crate::AppState;
use switchboard_core::{Action, ResourceKind};
use switchboard_engine::{Operation, ResourceSnapshot, SubmitError, Submitted};
use switchboard_identity::Principal;

/// Code and message of a credential used on another project's path, for families that have
/// no 403 of their own (the gateway's "not authorized").
pub const WRONG_PROJECT_CODE: &str = "APIGW.0302";
pub const WRONG_PROJECT: &str =
    "The IAM user is not authorized to access the API: the token is not scoped to this project";

/// Whether the credential is scoped to the project named in the path.
pub fn same_project(who: &Principal, path_project: &str) -> bool {
    who.project_id.as_deref() == Some(path_project)
}

/// The resource `id` of `kind` in the caller's project; anything else does not exist for them.
/// Fetched for a `GET`, it counts as a read of the resource (`manual` transitions).
pub fn owned(
    state: &AppState,
    who: &Principal,
    kind: ResourceKind,
    id: &str,
) -> Option<ResourceSnapshot> {
    let found = state.engine.resource(id).filter(|r| {
        r.spec.kind == kind && who.project_id.as_deref() == Some(r.spec.project_id.as_str())
    });
    if let Some(r) = &found {
        crate::transitions::note(state, r);
    }
    found
}

/// Every resource of `kind` in the caller's project, in inventory order (the engine's
/// per-project index: what another project holds costs nothing).
pub fn owned_all(state: &AppState, who: &Principal, kind: ResourceKind) -> Vec<ResourceSnapshot> {
    match who.project_id.as_deref() {
        Some(project) => state.engine.project_resources(project, Some(kind)),
        None => Vec::new(),
    }
}

/// Submits `action` on `targets` (only themselves, no dependencies) for the caller.
pub async fn submit(
    state: &AppState,
    who: &Principal,
    source: Option<String>,
    kind: &str,
    targets: Vec<String>,
    action: Action,
    audit_action: &str,
) -> Result<Submitted, SubmitError> {
    state
        .engine
        .submit(Operation {
            project_id: who.project_id.clone().unwrap_or_default(),
            kind: kind.to_string(),
            targets,
            action,
            only_self: true,
            principal: who.audit_name(),
            request_id: crate::request_id::current(),
            source,
            audit_action: audit_action.to_string(),
        })
        .await
}

/// An audit record of the caller doing `action` on `target` now.
pub fn audit(
    who: &Principal,
    source: Option<String>,
    action: &str,
    target: &str,
    outcome: &str,
) -> switchboard_store::AuditRecord {
    switchboard_store::AuditRecord {
        id: 0,
        at: switchboard_core::now_millis(),
        principal: who.audit_name(),
        project_id: who.project_id.clone(),
        action: action.to_string(),
        target: Some(target.to_string()),
        request_id: crate::request_id::current(),
        source,
        outcome: outcome.to_string(),
        detail: None,
    }
}
