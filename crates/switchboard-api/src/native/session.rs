//! `GET /switchboard/v1/session`: who the caller is and which actions it may perform, so that
//! a client (the web console) can hide or disable what would be refused.

use super::NativeError;
use crate::auth::Authenticated;
use crate::time::iso_millis;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};
use switchboard_identity::actions::ACTIONS;

/// Any authenticated caller may ask; the answer is about itself only.
#[utoipa::path(
    get,
    path = "/switchboard/v1/session",
    tag = "Switchboard",
    responses(
        (status = 200, description = "The caller and its permissions", body = crate::openapi::native::NativeSession),
        crate::openapi::NativeRead,
    )
)]
pub async fn get_session(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    let project_name = match who.project_id.as_deref() {
        Some(id) => state.store.project(id).await?.map(|p| p.name),
        None => None,
    };
    // Roles and policies together, an explicit Deny winning: exactly what the handlers check.
    let permissions: Map<String, Value> = ACTIONS
        .iter()
        .map(|a| (a.to_string(), Value::Bool(who.may(a))))
        .collect();
    Ok(Json(json!({"session": {
        "user_id": who.user_id, "user_name": who.user_name, "domain_id": who.domain_id,
        "project_id": who.project_id, "project_name": project_name, "roles": who.roles,
        "system_admin": who.system_admin, "expires_at": iso_millis(who.expires_at),
        "permissions": permissions,
    }})))
}

#[cfg(test)]
mod tests {
    use super::ACTIONS;
    use regex::Regex;
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }

    /// Every action named in this crate's sources (a literal `"family:resource:verb"`) is in
    /// the list, and every action built with `format!("family:resource:{verb}")` has entries.
    #[test]
    fn every_action_the_handlers_check_is_listed() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let families = "mrs|dbss|live|nova|bms|glance|switchboard";
        let literal =
            Regex::new(&format!(r#""((?:{families}):[A-Za-z]+(?::[A-Za-z]+)+)""#)).unwrap();
        let built = Regex::new(&format!(r#"format!\("((?:{families}):[A-Za-z:]+)\{{"#)).unwrap();
        let (mut literals, mut prefixes) = (0, 0);
        for (path, text) in &files {
            for c in literal.captures_iter(text) {
                literals += 1;
                assert!(
                    ACTIONS.contains(&&c[1]),
                    "{} names {} (not in ACTIONS)",
                    path.display(),
                    &c[1]
                );
            }
            for c in built.captures_iter(text) {
                prefixes += 1;
                let prefix = &c[1];
                assert!(
                    ACTIONS
                        .iter()
                        .any(|a| a.starts_with(prefix) && a.len() > prefix.len()),
                    "{} builds {prefix}… (nothing in ACTIONS)",
                    path.display()
                );
            }
        }
        assert!(
            literals > 50 && prefixes >= 5,
            "{literals} literals, {prefixes} built"
        );
    }
}
