//! Who may do what: roles plus IAM-style policy documents over action names such as
//! `live:ott:updateFlowStatusStart`. Deny by default; an explicit Deny wins over any Allow.

use serde::{Deserialize, Serialize};
use wildmatch::WildMatchPattern;

/// Most statements in one policy document.
pub const MAX_STATEMENTS: usize = 64;
/// Most action patterns in one policy document, over all its statements.
pub const MAX_ACTIONS: usize = 512;
/// Longest action pattern, in bytes.
pub const MAX_ACTION_LEN: usize = 128;

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
    /// Checks the version, the size bounds, and that every action pattern has the
    /// `service:resource:verb` shape in printable characters.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != "1.1" {
            return Err(format!(
                "policy Version must be \"1.1\", not {:?}",
                self.version
            ));
        }
        if self.statements.len() > MAX_STATEMENTS {
            return Err(format!(
                "a policy has at most {MAX_STATEMENTS} Statements, not {}",
                self.statements.len()
            ));
        }
        let actions: usize = self.statements.iter().map(|s| s.actions.len()).sum();
        if actions > MAX_ACTIONS {
            return Err(format!(
                "a policy has at most {MAX_ACTIONS} Actions in all, not {actions}"
            ));
        }
        for s in &self.statements {
            if s.actions.is_empty() {
                return Err("every Statement needs at least one Action".into());
            }
            for a in &s.actions {
                if a.len() > MAX_ACTION_LEN {
                    return Err(format!(
                        "an Action is at most {MAX_ACTION_LEN} bytes long, not {}",
                        a.len()
                    ));
                }
                if a.chars().any(char::is_control) {
                    return Err(format!("action {a:?} contains a control character"));
                }
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
    // roles is for administrators too. So are fault rules: reading them tells what will fail;
    // the simulated world's transitions and clock; and resetting or restoring the state.
    if is_identity_administration(action)
        || action.starts_with("switchboard:fault:")
        || action.starts_with("switchboard:state:")
        || action.starts_with("switchboard:transition:")
        || action.starts_with("switchboard:clock:")
    {
        return ActionClass::Manage;
    }
    // The request log shows what every client sent: administrators only too.
    if action.starts_with("switchboard:request:") {
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

/// `*` matches any run of characters (within or across segments); every other character,
/// `?` included, stands for itself, letters in either case. wildmatch's matcher does not
/// backtrack, so the cost is bounded by pattern length × action length whatever the stars.
pub fn matches(pattern: &str, action: &str) -> bool {
    // wildmatch always has a single-character wildcard: NUL plays it, so that `?` stays
    // literal; validate() refuses control characters, so no stored pattern holds one.
    if pattern.contains(SINGLE) {
        return false;
    }
    WildMatchPattern::<'*', SINGLE>::new_case_insensitive(pattern).matches(action)
}

const SINGLE: char = '\0';

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
        assert!(
            matches("LIVE:OTT:LIST*", "live:ott:listFlow"),
            "case-insensitive"
        );
        assert!(
            !matches("live:ott:list?low", "live:ott:listFlow"),
            "? is literal"
        );
        assert!(matches("live:ott:list?low", "live:ott:list?low"));
        assert!(!matches("live:ott:\0istFlow", "live:ott:listFlow"));
        assert!(!matches("live:ott:listFlo", "live:ott:listFlow"));
        assert!(matches("**l**i**v**e**", "live"));
        assert!(matches("", "") && !matches("", "a") && matches("*", ""));
    }

    /// The recursive matcher this replaced: the reference for what a pattern means.
    fn reference(p: &[u8], a: &[u8]) -> bool {
        match p.split_first() {
            None => a.is_empty(),
            Some((b'*', rest)) => (0..=a.len()).any(|i| reference(rest, &a[i..])),
            Some((c, rest)) => a
                .split_first()
                .is_some_and(|(d, tail)| c.eq_ignore_ascii_case(d) && reference(rest, tail)),
        }
    }

    proptest::proptest! {
        #[test]
        fn matching_agrees_with_the_reference(p in "[ab*?:A]{0,8}", a in "[ab?:A]{0,10}") {
            proptest::prop_assert_eq!(matches(&p, &a), reference(p.as_bytes(), a.as_bytes()));
        }
    }

    #[test]
    fn many_stars_cost_no_more_than_a_few() {
        let pattern = format!("*:*:{}#", "*t".repeat(60));
        let started = std::time::Instant::now();
        assert!(!matches(&pattern, &"t:t:".repeat(30)));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn documents_are_bounded() {
        let statement = |n: usize| {
            let actions: Vec<String> = (0..n).map(|i| format!("live:ott:a{i}")).collect();
            serde_json::json!({"Effect": "Allow", "Action": actions})
        };
        let doc = |statements: Vec<serde_json::Value>| -> PolicyDocument {
            serde_json::from_value(serde_json::json!({"Version": "1.1", "Statement": statements}))
                .unwrap()
        };
        assert!(doc(vec![statement(MAX_ACTIONS)]).validate().is_ok());
        let too_many = doc(vec![statement(MAX_ACTIONS + 1)])
            .validate()
            .unwrap_err();
        assert!(too_many.contains("at most 512 Actions"), "{too_many}");
        let statements = doc(vec![statement(1); MAX_STATEMENTS + 1])
            .validate()
            .unwrap_err();
        assert!(statements.contains("at most 64 Statements"), "{statements}");
        let long = format!("live:ott:{}", "a".repeat(MAX_ACTION_LEN));
        let err = doc(vec![
            serde_json::json!({"Effect": "Allow", "Action": [long]}),
        ])
        .validate()
        .unwrap_err();
        assert!(err.contains("at most 128 bytes"), "{err}");
        let nul = doc(vec![
            serde_json::json!({"Effect": "Allow", "Action": ["live:ott:\u{0}"]}),
        ]);
        assert!(nul.validate().is_err());
    }
}
