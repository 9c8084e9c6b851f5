//! `GET /v2.1/{project_id}/limits`, derived from the inventory: usage counts the project's
//! servers (another project's for its administrators).

use super::check_project;
use super::query::Params;
use super::{reply, Microversion, NovaError};
use crate::admin_scope::AdminScope;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use switchboard_core::ResourceKind;

/// Nova's default quotas: (quota, limit names, default).
const QUOTAS: [(&str, &[&str], u64); 12] = [
    ("ram", &["maxTotalRAMSize"], 51200),
    ("instances", &["maxTotalInstances"], 10),
    ("cores", &["maxTotalCores"], 20),
    ("key_pairs", &["maxTotalKeypairs"], 100),
    ("floating_ips", &["maxTotalFloatingIps"], 10),
    (
        "metadata_items",
        &["maxServerMeta", "maxImageMeta"],
        super::metadata::MAX_ITEMS as u64,
    ),
    ("injected_files", &["maxPersonality"], 5),
    (
        "injected_file_content_bytes",
        &["maxPersonalitySize"],
        10240,
    ),
    ("security_groups", &["maxSecurityGroups"], 10),
    ("security_group_rules", &["maxSecurityGroupRules"], 20),
    ("server_groups", &["maxServerGroups"], 10),
    ("server_group_members", &["maxServerGroupMembers"], 10),
];

/// Usage keys and their quotas.
const USED: [(&str, &str); 6] = [
    ("totalRAMUsed", "ram"),
    ("totalCoresUsed", "cores"),
    ("totalInstancesUsed", "instances"),
    ("totalFloatingIpsUsed", "floating_ips"),
    ("totalSecurityGroupsUsed", "security_groups"),
    ("totalServerGroupsUsed", "server_groups"),
];

/// Quotas each microversion stops showing (2.36: network proxies, 2.57: personality files).
fn filtered(version: &Microversion) -> &'static [&'static str] {
    const V236: &[&str] = &["floating_ips", "security_groups", "security_group_rules"];
    const V257: &[&str] = &[
        "floating_ips",
        "security_groups",
        "security_group_rules",
        "injected_files",
        "injected_file_content_bytes",
    ];
    if version.at_least(57) {
        V257
    } else if version.at_least(36) {
        V236
    } else {
        &[]
    }
}

/// The absolute limits of a project whose usage is `used` (quota → amount). A limit is never
/// below what the inventory already uses, so a project never reads as over its quota.
pub fn absolute(used: &BTreeMap<&str, u64>, version: &Microversion) -> Value {
    let skip = filtered(version);
    let mut out = Map::new();
    for (quota, names, default) in QUOTAS {
        if skip.contains(&quota) {
            continue;
        }
        let limit = default.max(used.get(quota).copied().unwrap_or(0));
        for name in names {
            // 2.39 drops the image metadata limit (images are Glance's).
            if *name == "maxImageMeta" && version.at_least(39) {
                continue;
            }
            out.insert(name.to_string(), json!(limit));
        }
    }
    for (name, quota) in USED {
        if !skip.contains(&quota) {
            out.insert(
                name.to_string(),
                json!(used.get(quota).copied().unwrap_or(0)),
            );
        }
    }
    Value::Object(out)
}

/// What a project's servers use, by quota: instances, and cores and RAM (attributes, else the
/// flavor's). Nova's limits and BMS's quota both show it.
pub fn usage(state: &AppState, project_id: &str) -> BTreeMap<&'static str, u64> {
    let mut used = BTreeMap::new();
    let servers = state
        .engine
        .project_resources(project_id, Some(ResourceKind::Server));
    for s in servers {
        let (vcpus, ram) = crate::flavor::usage(state, &s);
        for (quota, n) in [("instances", 1), ("cores", vcpus), ("ram", ram)] {
            let total = used.entry(quota).or_insert(0u64);
            *total = total.saturating_add(n);
        }
    }
    used
}

type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

#[utoipa::path(
    get,
    path = "/v2.1/{project_id}/limits",
    tag = "Nova",
    params(
        ("project_id" = String, Path, description = "Project id", example = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::compute::NovaLimits),
        crate::openapi::NovaRead,
    )
)]
pub async fn limits(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    version: Microversion,
    Path(project_id): Path<String>,
    query: RawQuery,
) -> Response {
    let result = async {
        let q = Params(query.map_err(|e| NovaError::bad_request(e.body_text()))?.0);
        if version.at_least(75) {
            q.only(&["tenant_id"])?;
        }
        NovaError::permit(&who, "nova:limits:get")?;
        check_project(&who, &project_id)?;
        let mut target = Some(project_id.clone());
        if let Some(other) = q.single("tenant_id")? {
            // Another project's limits are for administrators, as in Nova; one the caller does
            // not administer reads like an unknown project (default quotas, nothing used).
            NovaError::permit(&who, "nova:limits:otherProject")?;
            if other != project_id {
                let scope = AdminScope::of(state.store.as_ref(), &who)
                    .await
                    .map_err(NovaError::internal)?;
                target = scope.administers(other).then(|| other.to_string());
            }
        }
        let used = target.map(|p| usage(&state, &p)).unwrap_or_default();
        let body = json!({"limits": {"rate": [], "absolute": absolute(&used, &version)}});
        Ok(Json(body).into_response())
    }
    .await;
    reply(result, &version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_microversion() {
        let used = BTreeMap::from([("instances", 30)]);
        let at = |minor| absolute(&used, &Microversion((2, minor)));
        let v1 = at(1);
        assert_eq!(v1["maxTotalInstances"], 30);
        assert_eq!(v1["totalInstancesUsed"], 30);
        assert_eq!(v1["maxTotalCores"], 20);
        for k in [
            "maxSecurityGroups",
            "maxTotalFloatingIps",
            "maxImageMeta",
            "maxPersonality",
            "totalFloatingIpsUsed",
        ] {
            assert!(v1.get(k).is_some(), "{k}");
        }
        let v36 = at(36);
        assert!(
            v36.get("maxSecurityGroups").is_none() && v36.get("totalFloatingIpsUsed").is_none()
        );
        assert!(v36.get("maxImageMeta").is_some() && at(39).get("maxImageMeta").is_none());
        let v57 = at(57);
        assert!(v57.get("maxPersonality").is_none() && v57.get("maxPersonalitySize").is_none());
        assert_eq!(v57["maxServerMeta"], 128);
    }
}
