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
        .route(
            "/v3.0/OS-CREDENTIAL/credentials",
            post(iam::create_credential).get(iam::list_credentials),
        )
        .route(
            "/v3.0/OS-CREDENTIAL/credentials/{access_key}",
            get(iam::show_credential).delete(iam::delete_credential),
        )
}
