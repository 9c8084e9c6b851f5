//! Who may do what: roles plus IAM-style policy documents over action names such as
//! `live:ott:updateFlowStatusStart`. Deny by default; an explicit Deny wins over any Allow.

use serde::{Deserialize, Serialize};

/// `{"Version":"1.1","Statement":[{"Effect":"Allow"|"Deny","Action":["live:ott:*",…]}]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Action")]
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl PolicyDocument {
    /// Checks the version and that every action pattern has the `service:resource:verb` shape.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != "1.1" {
            return Err(format!(
                "policy Version must be \"1.1\", not {:?}",
                self.version
            ));
        }
        for s in &self.statements {
            if s.actions.is_empty() {
                return Err("every Statement needs at least one Action".into());
            }
            for a in &s.actions {
                if a != "*" && a.split(':').count() != 3 {
                    return Err(format!(
                        "action {a:?} is not service:resource:verb (wildcards allowed)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// What an action does, from its verb: reading, operating (start/stop/…), or managing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionClass {
    Read,
    Operate,
    Manage,
}

/// Actions on users and policies (the admin API).
pub fn is_identity_administration(action: &str) -> bool {
    action.starts_with("switchboard:user:") || action.starts_with("switchboard:policy:")
}

pub fn class_of(action: &str) -> ActionClass {
    // Identity administration is managing, whatever its verb: reading the users and their
    // roles is for administrators too.
    if is_identity_administration(action) {
        return ActionClass::Manage;
    }
    let verb = action.rsplit(':').next().unwrap_or("");
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| verb.starts_with(p));
    if starts(&["get", "list", "show"]) {
        ActionClass::Read
    } else if starts(&["start", "stop", "restart", "reboot", "update", "cancel"]) {
        ActionClass::Operate
    } else {
        ActionClass::Manage
    }
}

/// The roles Switchboard knows: admin does anything, operator reads and operates, viewer reads.
pub const ROLES: [&str; 3] = ["admin", "operator", "viewer"];

fn role_allows(role: &str, class: ActionClass) -> bool {
    match role {
        "admin" => true,
        "operator" => class != ActionClass::Manage,
        "viewer" => class == ActionClass::Read,
        _ => false,
    }
}

/// `*` matches any run of characters (within or across segments).
pub fn matches(pattern: &str, action: &str) -> bool {
    fn go(p: &[u8], a: &[u8]) -> bool {
        match p.split_first() {
            None => a.is_empty(),
            Some((b'*', rest)) => (0..=a.len()).any(|i| go(rest, &a[i..])),
            Some((c, rest)) => a
                .split_first()
                .is_some_and(|(d, tail)| c.eq_ignore_ascii_case(d) && go(rest, tail)),
        }
    }
    go(pattern.as_bytes(), action.as_bytes())
}

/// Whether `action` is allowed for a principal with these roles and policies.
pub fn is_allowed(roles: &[String], policies: &[PolicyDocument], action: &str) -> bool {
    let statements = || policies.iter().flat_map(|p| &p.statements);
    let said = |effect: Effect| {
        statements().any(|s| s.effect == effect && s.actions.iter().any(|p| matches(p, action)))
    };
    if said(Effect::Deny) {
        return false;
    }
    let class = class_of(action);
    roles.iter().any(|r| role_allows(r, class)) || said(Effect::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> PolicyDocument {
        let d: PolicyDocument = serde_json::from_str(json).unwrap();
        d.validate().unwrap();
        d
    }

    #[test]
    fn roles_follow_the_verb() {
        let (viewer, operator, admin) = (
            vec!["viewer".to_string()],
            vec!["operator".to_string()],
            vec!["admin".to_string()],
        );
        assert!(is_allowed(&viewer, &[], "live:ott:listFlow"));
        assert!(!is_allowed(&viewer, &[], "live:ott:updateFlowStatusStart"));
        assert!(is_allowed(&operator, &[], "live:ott:updateFlowStatusStart"));
        assert!(is_allowed(&operator, &[], "mrs:service:restart"));
        assert!(!is_allowed(&operator, &[], "live:ott:createFlow"));
        assert!(is_allowed(&admin, &[], "live:ott:deleteFlow"));
        assert!(
            !is_allowed(&[], &[], "live:ott:listFlow"),
            "deny by default"
        );
        assert!(!is_allowed(
            &["guest".to_string()],
            &[],
            "live:ott:listFlow"
        ));
        assert!(
            !is_allowed(&operator, &[], "switchboard:user:list"),
            "identity administration is for admins"
        );
        assert!(is_allowed(&admin, &[], "switchboard:policy:list"));
    }

    #[test]
    fn policies_allow_and_explicit_deny_wins() {
        let live =
            doc(r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["live:ott:*"]}]}"#);
        assert!(is_allowed(
            &[],
            std::slice::from_ref(&live),
            "live:ott:createFlow"
        ));
        assert!(!is_allowed(
            &[],
            std::slice::from_ref(&live),
            "dbss:instance:start"
        ));
        let no_stop = doc(
            r#"{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["*:*:stop*","live:ott:updateFlowStatusStop"]}]}"#,
        );
        let admin = vec!["admin".to_string()];
        assert!(!is_allowed(
            &admin,
            std::slice::from_ref(&no_stop),
            "nova:server:stop"
        ));
        assert!(!is_allowed(
            &admin,
            &[live.clone(), no_stop.clone()],
            "live:ott:updateFlowStatusStop"
        ));
        assert!(is_allowed(
            &admin,
            &[live, no_stop],
            "live:ott:updateFlowStatusStart"
        ));
    }

    #[test]
    fn malformed_documents_are_refused() {
        let bad_version: PolicyDocument = serde_json::from_str(
            r#"{"Version":"2","Statement":[{"Effect":"Allow","Action":["*"]}]}"#,
        )
        .unwrap();
        assert!(bad_version.validate().is_err());
        let bad_action: PolicyDocument = serde_json::from_str(
            r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["live"]}]}"#,
        )
        .unwrap();
        assert!(bad_action.validate().is_err());
        assert!(serde_json::from_str::<PolicyDocument>(
            r#"{"Version":"1.1","Statement":[{"Effect":"Maybe","Action":["*"]}]}"#
        )
        .is_err());
    }

    #[test]
    fn wildcards() {
        assert!(matches("live:ott:*", "live:ott:listFlow"));
        assert!(matches("*", "anything:at:all"));
        assert!(matches("*:*:stop*", "nova:server:stop"));
        assert!(!matches("live:ott:list*", "live:ott:getFlowDetail"));
    }
}
