//! The token body (issue and validate) and its service catalog.

use super::KeystoneError;
use crate::time::iso_micros;
use crate::AppState;
use axum::http::HeaderMap;
use serde_json::{json, Value};
use switchboard_store::{DomainRecord, ProjectRecord, UserRecord};

/// The URL clients use to reach this server.
pub fn public_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// One entry per API family, all served by this server, so `openstack` and the SDKs find every
/// endpoint from the catalog. Identity and compute follow DevStack (`/identity`, unversioned;
/// `/compute/v2.1/{project}`), so version discovery lands on each service's own document; the
/// Huawei families name the path their operations hang from, so discovery of them finds no
/// version document (rather than another service's).
pub fn catalog(state: &AppState, headers: &HeaderMap, project_id: &str) -> Value {
    let base = public_url(state, headers);
    let entry = |kind: &str, name: &str, url: String| {
        json!({
            "type": kind, "name": name, "id": format!("{kind}-svc"),
            "endpoints": [{"id": format!("{kind}-public"), "interface": "public",
                           "region": "local-1", "region_id": "local-1", "url": url}]
        })
    };
    let (identity, compute) = (crate::prefix::IDENTITY, crate::prefix::COMPUTE);
    json!([
        entry("identity", "keystone", format!("{base}{identity}")),
        entry(
            "compute",
            "nova",
            format!("{base}{compute}/v2.1/{project_id}")
        ),
        entry("image", "glance", format!("{base}/image")),
        entry("mrs-manager", "mrs", format!("{base}/web")),
        entry("dbss", "dbss", format!("{base}/v1/{project_id}/db-om")),
        entry("live", "live", format!("{base}/v1/{project_id}/flows")),
        entry(
            "bms",
            "bms",
            format!("{base}/v1/{project_id}/baremetalservers")
        ),
    ])
}

/// `{"token": …}`'s inside, for a user scoped to a project (with its roles), a domain, or nothing.
pub async fn token_body(
    state: &AppState,
    headers: &HeaderMap,
    user: &UserRecord,
    project: Option<(ProjectRecord, Vec<String>)>,
    domain_scope: Option<DomainRecord>,
    issued_at: i64,
    expires_at: i64,
) -> Result<Value, KeystoneError> {
    let user_domain = state
        .store
        .domain(&user.domain_id)
        .await?
        .ok_or_else(KeystoneError::unauthorized)?;
    let mut body = json!({
        "methods": ["password"],
        "expires_at": iso_micros(expires_at),
        "issued_at": iso_micros(issued_at),
        "audit_ids": [uuid::Uuid::new_v4().simple().to_string()[..22].to_string()],
        "user": {
            "domain": {"id": user_domain.id, "name": user_domain.name},
            "id": user.id, "name": user.name, "password_expires_at": null
        },
    });
    if let Some((project, roles)) = project {
        let domain = state.store.domain(&project.domain_id).await?;
        body["project"] = json!({
            "domain": {"id": project.domain_id, "name": domain.map(|d| d.name)},
            "id": project.id, "name": project.name
        });
        body["is_domain"] = json!(false);
        body["roles"] = roles.iter().map(|r| json!({"id": r, "name": r})).collect();
        body["catalog"] = catalog(state, headers, &project.id);
    } else if let Some(domain) = domain_scope {
        body["domain"] = json!({"id": domain.id, "name": domain.name});
        body["roles"] = json!([]);
    }
    Ok(body)
}
