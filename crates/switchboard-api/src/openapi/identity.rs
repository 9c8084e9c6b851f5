//! Keystone v3 and the Huawei IAM credentials API.

use super::{bodies, list_of, object, one, strings};
use serde_json::{json, Value};

bodies!(
    IamCredential,
    IamCredentialRequest,
    IamCredentials,
    KeystoneCatalog,
    KeystoneDomain,
    KeystoneDomains,
    KeystoneEndpoint,
    KeystoneEndpoints,
    KeystoneProject,
    KeystoneProjects,
    KeystoneRegion,
    KeystoneRegions,
    KeystoneRoleAssignments,
    KeystoneRoles,
    KeystoneService,
    KeystoneServices,
    KeystoneSystem,
    KeystoneToken,
    KeystoneUser,
    KeystoneUsers,
    KeystoneVersion,
    KeystoneVersions
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::iam::versions::version_root,
    crate::iam::versions::version_v3,
    crate::iam::tokens::create_token,
    crate::iam::validate::validate_token,
    crate::iam::validate::revoke_token,
    crate::iam::validate::list_projects,
    crate::iam::reads::projects::show_project,
    crate::iam::reads::projects::auth_projects,
    crate::iam::reads::projects::auth_domains,
    crate::iam::reads::catalog::auth_catalog,
    crate::iam::reads::projects::auth_system,
    crate::iam::reads::users::list_users,
    crate::iam::reads::users::show_user,
    crate::iam::reads::projects::user_projects,
    crate::iam::reads::projects::list_domains,
    crate::iam::reads::projects::show_domain,
    crate::iam::reads::users::list_roles,
    crate::iam::reads::users::list_role_assignments,
    crate::iam::reads::catalog::list_services,
    crate::iam::reads::catalog::show_service,
    crate::iam::reads::catalog::list_endpoints,
    crate::iam::reads::catalog::show_endpoint,
    crate::iam::reads::catalog::list_regions,
    crate::iam::reads::catalog::show_region,
    crate::iam::credentials::create_credential,
    crate::iam::credentials::list_credentials,
    crate::iam::credentials::show_credential,
    crate::iam::credentials::delete_credential,
))]
pub struct Doc;

fn version() -> Value {
    object(
        &["id", "status", "links"],
        json!({"id": {"type": "string"}, "status": {"type": "string"},
               "links": {"type": "array", "items": {"type": "object"}}}),
    )
}

/// `{"<key>": [...], "links": {...}}`: Keystone's paged lists.
fn listing(key: &str, item: Value) -> Value {
    let mut list = list_of(key, item);
    list["properties"]["links"] = json!({"type": "object"});
    list
}

pub fn schemas() -> Vec<(&'static str, Value)> {
    let project = object(&["id", "name", "domain_id", "enabled"], {
        let mut p = strings(&["id", "name", "domain_id", "description"]);
        p["enabled"] = json!({"type": "boolean"});
        p
    });
    let domain = object(&["id", "name", "enabled"], {
        let mut p = strings(&["id", "name", "description"]);
        p["enabled"] = json!({"type": "boolean"});
        p
    });
    let user = object(
        &["id", "name", "domain_id"],
        strings(&["id", "name", "domain_id"]),
    );
    let service = object(&["id", "type"], strings(&["id", "type", "name"]));
    let endpoint = object(
        &["id", "interface", "url", "service_id"],
        strings(&["id", "interface", "url", "service_id", "region_id"]),
    );
    let region = object(&["id"], strings(&["id", "description"]));
    let catalog_entry = object(
        &["type", "endpoints"],
        json!({"type": {"type": "string"}, "id": {"type": "string"},
               "endpoints": {"type": "array", "items": object(&["url", "interface"],
                   strings(&["id", "url", "interface", "region", "region_id"]))}}),
    );
    let token = object(
        &["expires_at", "issued_at", "methods", "user"],
        json!({"expires_at": {"type": "string"}, "issued_at": {"type": "string"},
               "methods": {"type": "array", "items": {"type": "string"}},
               "user": object(&["id", "name"], strings(&["id", "name"])),
               "project": object(&["id", "name"], strings(&["id", "name"])),
               "roles": {"type": "array", "items": object(&["id", "name"], strings(&["id", "name"]))},
               "catalog": {"type": "array", "items": catalog_entry.clone()}}),
    );
    let credential = object(
        &["access", "user_id", "status"],
        strings(&[
            "access",
            "secret",
            "user_id",
            "status",
            "description",
            "create_time",
        ]),
    );
    vec![
        (
            "KeystoneVersions",
            one("versions", list_of("values", version())),
        ),
        ("KeystoneVersion", one("version", version())),
        ("KeystoneToken", one("token", token)),
        ("KeystoneProjects", listing("projects", project.clone())),
        ("KeystoneProject", one("project", project)),
        ("KeystoneDomains", listing("domains", domain.clone())),
        ("KeystoneDomain", one("domain", domain)),
        ("KeystoneCatalog", listing("catalog", catalog_entry)),
        (
            "KeystoneSystem",
            listing("system", json!({"type": "object"})),
        ),
        ("KeystoneUsers", listing("users", user.clone())),
        ("KeystoneUser", one("user", user)),
        (
            "KeystoneRoles",
            listing("roles", object(&["id", "name"], strings(&["id", "name"]))),
        ),
        (
            "KeystoneRoleAssignments",
            listing(
                "role_assignments",
                object(
                    &["role", "scope"],
                    json!({"role": {"type": "object"}, "scope": {"type": "object"}, "user": {"type": "object"}}),
                ),
            ),
        ),
        ("KeystoneServices", listing("services", service.clone())),
        ("KeystoneService", one("service", service)),
        ("KeystoneEndpoints", listing("endpoints", endpoint.clone())),
        ("KeystoneEndpoint", one("endpoint", endpoint)),
        ("KeystoneRegions", listing("regions", region.clone())),
        ("KeystoneRegion", one("region", region)),
        ("IamCredentials", list_of("credentials", credential.clone())),
        ("IamCredential", one("credential", credential)),
        (
            "IamCredentialRequest",
            one(
                "credential",
                object(&["user_id"], strings(&["user_id", "description"])),
            ),
        ),
    ]
}
