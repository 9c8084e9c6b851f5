//! What every compute answer shares: the base of its links, Nova's links, and a server's state
//! as Nova names it (status derived from vm_state and task_state with Nova's table).

use crate::AppState;
use axum::http::HeaderMap;
use serde_json::{json, Value};
use switchboard_identity::Principal;

/// Nova's names of a lifecycle state (in core, so that events speak them too).
pub use switchboard_core::family::nova::{NovaState, StatusFilter};

/// The URL every compute link starts with (`{base}/v2.1/…` and the bookmark `{base}/…`).
/// Every link rendered for Nova goes through here.
pub fn compute_base(state: &AppState, headers: &HeaderMap) -> String {
    crate::prefix::base(state, headers)
}

/// `self` and `bookmark` links of `{kind}/{id}` in `project`.
pub fn links(base: &str, project: &str, kind: &str, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{base}/v2.1/{project}/{kind}/{id}")},
        bookmark(base, project, kind, id)[0].clone(),
    ])
}

/// The bookmark link alone, as Nova gives for a server's image and (before 2.47) flavor.
pub fn bookmark(base: &str, project: &str, kind: &str, id: &str) -> Value {
    json!([{"rel": "bookmark", "href": format!("{base}/{project}/{kind}/{id}")}])
}

/// Nova's administrator: the `admin` role in the token's project, or the system role.
pub fn is_admin(who: &Principal) -> bool {
    who.system_admin || who.roles.iter().any(|r| r == "admin")
}
