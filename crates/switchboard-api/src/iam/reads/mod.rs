//! Keystone's read routes: projects, domains, users, roles, the catalog's services, endpoints
//! and regions, and the `/v3/auth/*` views of the caller's token. Each honours the permission
//! model: a user sees itself and its own projects; administrators (see `admin_scope`) see what
//! they administer; anything else reads exactly like an unknown id.

pub(crate) mod catalog;
pub(crate) mod paging;
pub(crate) mod projects;
pub(crate) mod users;

pub use catalog::{
    auth_catalog, list_endpoints, list_regions, list_services, show_endpoint, show_region,
    show_service,
};
pub use paging::paged;
pub use projects::{
    auth_domains, auth_projects, auth_system, list_domains, project, show_domain, show_project,
    user_projects, PROJECT_FILTERS,
};
pub use users::{list_role_assignments, list_roles, list_users, show_user};

use super::KeystoneError;
use crate::auth::Authenticated;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_identity::Principal;

/// A caller authenticated by token or AK/SK; a failure is Keystone's 401, not the gateway's.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = KeystoneError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Authenticated::from_request_parts(parts, state).await {
            Ok(Authenticated(who)) => Ok(Caller(who)),
            Err(e) if e.status.is_server_error() => Err(KeystoneError::internal()),
            Err(_) => Err(KeystoneError::unauthorized()),
        }
    }
}

/// What the caller administers, or Keystone's 403 for `rule` when it administers nothing
/// (the lists Keystone's default policy keeps for administrators).
pub async fn administrator(
    state: &AppState,
    who: &Principal,
    rule: &str,
) -> Result<crate::admin_scope::AdminScope, KeystoneError> {
    let scope = crate::admin_scope::AdminScope::of(state.store.as_ref(), who).await?;
    if scope.is_system() || scope.projects().is_some_and(|p| !p.is_empty()) {
        Ok(scope)
    } else {
        Err(denied(rule))
    }
}

/// 403 in Keystone's words for a policy the caller does not pass.
pub fn denied(rule: &str) -> KeystoneError {
    KeystoneError::forbidden(format!(
        "You are not authorized to perform the requested action: {rule}."
    ))
}

/// `GET /v3/{collection}`: Keystone's list body with its `links` block.
pub fn collection(base: &str, path: &str, key: &str, items: Vec<Value>) -> Value {
    json!({ key: items, "links": {"self": format!("{base}/v3/{path}"), "previous": null, "next": null} })
}

/// Keeps the items whose `filters` attributes (those named in the query) equal the query's
/// values, as Keystone's list filters do; booleans accept `true`/`false`/`1`/`0`.
pub fn filtered(
    items: Vec<Value>,
    query: &HashMap<String, String>,
    filters: &[&str],
) -> Vec<Value> {
    items
        .into_iter()
        .filter(|item| {
            filters
                .iter()
                .all(|&key| match (query.get(key), item.get(key)) {
                    (None, _) => true,
                    (Some(want), Some(Value::Bool(b))) => {
                        let want = want.to_ascii_lowercase();
                        *b == matches!(want.as_str(), "true" | "1" | "yes" | "on")
                    }
                    (Some(want), Some(Value::String(s))) => s == want,
                    (Some(want), Some(Value::Null)) => want.is_empty() || want == "null",
                    (Some(_), _) => false,
                })
        })
        .collect()
}
