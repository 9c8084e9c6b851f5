//! Keystone v3 and the Huawei IAM credentials API.

use crate::{iam, AppState};
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v3", get(iam::version_v3))
        .route("/v3/", get(iam::version_v3))
        .route(
            "/v3/auth/tokens",
            post(iam::create_token)
                .get(iam::validate_token)
                .delete(iam::revoke_token),
        )
        .route("/v3/projects", get(iam::list_projects))
        .route("/v3/projects/{project_id}", get(iam::show_project))
        .route("/v3/auth/projects", get(iam::auth_projects))
        .route("/v3/auth/domains", get(iam::auth_domains))
        .route("/v3/auth/catalog", get(iam::auth_catalog))
        .route("/v3/auth/system", get(iam::auth_system))
        .route("/v3/users", get(iam::list_users))
        .route("/v3/users/{user_id}", get(iam::show_user))
        .route("/v3/users/{user_id}/projects", get(iam::user_projects))
        .route("/v3/domains", get(iam::list_domains))
        .route("/v3/domains/{domain_id}", get(iam::show_domain))
        .route("/v3/roles", get(iam::list_roles))
        .route("/v3/role_assignments", get(iam::list_role_assignments))
        .route("/v3/services", get(iam::list_services))
        .route("/v3/services/{service_id}", get(iam::show_service))
        .route("/v3/endpoints", get(iam::list_endpoints))
        .route("/v3/endpoints/{endpoint_id}", get(iam::show_endpoint))
        .route("/v3/regions", get(iam::list_regions))
        .route("/v3/regions/{region_id}", get(iam::show_region))
        .route(
            "/v3.0/OS-CREDENTIAL/credentials",
            post(iam::create_credential).get(iam::list_credentials),
        )
        .route(
            "/v3.0/OS-CREDENTIAL/credentials/{access_key}",
            get(iam::show_credential).delete(iam::delete_credential),
        )
}
