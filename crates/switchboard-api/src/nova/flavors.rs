//! `GET /v2.1/{project_id}/flavors/{flavor_id}` and its `os-extra_specs[/{key}]`, from
//! [`crate::flavor`] (declared and derived flavors), and the flavor as Nova renders it.

use super::query::Params;
use super::render::{compute_base, is_admin, links};
use super::{check_project, with_compute_headers, Microversion, NovaError};
use crate::admin_scope::AdminScope;
use crate::auth::Authenticated;
use crate::flavor::{self, Flavor};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_identity::Principal;

pub(super) fn answer(r: Result<Value, NovaError>, version: &Microversion) -> Response {
    let response = match r {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    };
    with_compute_headers(response, version)
}

fn not_found(id: &str) -> NovaError {
    NovaError::new(
        StatusCode::NOT_FOUND,
        format!("Flavor {id} could not be found."),
    )
}

/// The flavors the caller may see: those of its project, and for an administrator those of
/// every project it administers (Nova's administrators see every flavor).
pub(super) async fn seen_by(
    state: &AppState,
    who: &Principal,
    project: &str,
) -> Result<Vec<Flavor>, NovaError> {
    if !is_admin(who) {
        return Ok(flavor::list(state, project));
    }
    let scope = AdminScope::of(state.store.as_ref(), who)
        .await
        .map_err(NovaError::internal)?;
    Ok(flavor::all(state)
        .into_iter()
        .filter(|f| {
            f.visible_to(project)
                || scope.is_system()
                || f.projects.iter().any(|p| scope.administers(p))
        })
        .collect())
}

/// The flavor the caller sees, else 404 as for an unknown one.
async fn visible(
    state: &AppState,
    who: &Principal,
    project: &str,
    id: &str,
) -> Result<Flavor, NovaError> {
    NovaError::permit(who, "nova:flavor:get")?;
    check_project(who, project)?;
    let all = seen_by(state, who, project).await?;
    all.into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| not_found(id))
}

/// A flavor in brief (`GET /flavors`) or whole.
pub(super) fn render(f: &Flavor, base: &str, project: &str, v: Microversion, whole: bool) -> Value {
    let mut out =
        json!({"id": f.id, "name": f.name, "links": links(base, project, "flavors", &f.id)});
    if whole {
        out["ram"] = json!(f.ram);
        out["disk"] = json!(f.disk);
        // Before 2.75 a flavor without swap shows the empty string.
        out["swap"] = if f.swap == 0 && !v.at_least(75) {
            json!("")
        } else {
            json!(f.swap)
        };
        out["OS-FLV-EXT-DATA:ephemeral"] = json!(f.ephemeral);
        out["vcpus"] = json!(f.vcpus);
        out["os-flavor-access:is_public"] = json!(f.is_public);
        if !v.at_least(102) {
            out["OS-FLV-DISABLED:disabled"] = json!(false);
            out["rxtx_factor"] = json!(f.rxtx_factor);
        }
        if v.at_least(61) {
            out["extra_specs"] = json!(f.extra_specs);
        }
    }
    if v.at_least(55) {
        out["description"] = json!(f.description);
    }
    out
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/flavors/{flavor_id}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flavor_id" = String, Path, description = "Flavor id", example = "physical.s4.large"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaFlavor),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_flavor(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    headers: HeaderMap,
    Path((project_id, flavor_id)): Path<(String, String)>,
    p: Params,
) -> Response {
    // From 2.102 show takes no query parameters.
    let strict = if version.at_least(102) {
        p.only(&[])
    } else {
        Ok(())
    };
    let r = match strict {
        Ok(()) => visible(&state, &who, &project_id, &flavor_id).await,
        Err(e) => Err(e),
    };
    let r = r.map(|f| {
        let base = compute_base(&state, &headers);
        json!({"flavor": render(&f, &base, &project_id, version, true)})
    });
    answer(r, &version)
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flavor_id" = String, Path, description = "Flavor id", example = "physical.s4.large"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaExtraSpecs),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_extra_specs(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((project_id, flavor_id)): Path<(String, String)>,
) -> Response {
    let r = visible(&state, &who, &project_id, &flavor_id)
        .await
        .map(|f| json!({"extra_specs": f.extra_specs}));
    answer(r, &version)
}

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs/{key}",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
        ("flavor_id" = String, Path, description = "Flavor id", example = "physical.s4.large"),
        ("key" = String, Path, description = "Key"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaExtraSpec),
        crate::openapi::NovaRead,
    )
)]
pub async fn show_extra_spec(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path((project_id, flavor_id, key)): Path<(String, String, String)>,
) -> Response {
    let r = visible(&state, &who, &project_id, &flavor_id)
        .await
        .and_then(|f| match f.extra_specs.get(&key) {
            Some(value) => Ok(json!({ key: value })),
            None => Err(NovaError::new(
                StatusCode::NOT_FOUND,
                format!("Flavor {flavor_id} has no extra specs with key {key}."),
            )),
        });
    answer(r, &version)
}
