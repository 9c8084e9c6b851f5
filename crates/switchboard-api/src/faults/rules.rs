//! Rules as the API takes them: names checked against the permission table, ids given,
//! projects and regions resolved; the sink that makes every match and firing durable and
//! audited; and the book's restoration at start (stored rules, then the configured ones).

use std::sync::Arc;
use switchboard_core::faults::{FaultBook, FaultRule, FaultUse, RuleError, StoredRule};
use switchboard_engine::Engine;
use switchboard_identity::actions::ACTIONS;
use switchboard_identity::policy::matches;
use switchboard_store::{AuditRecord, Store, StoreError, Write};

/// The audit outcome of a firing, recorded under the action it hit.
pub const FAULTED: &str = "faulted";

/// Checks `rules` (the `offset`-th rule first, for the field names of errors), gives the
/// missing ids and resolves their projects and regions.
pub async fn prepare(
    store: &dyn Store,
    engine: &Engine,
    ids: &crate::ids::Ids,
    rules: Vec<FaultRule>,
    offset: usize,
) -> Result<Vec<FaultRule>, PrepareError> {
    let mut out = Vec::with_capacity(rules.len());
    for (i, mut rule) in rules.into_iter().enumerate() {
        let at = i + offset;
        rule.check_shape(at)?;
        check_names(&rule, at)?;
        resolve(store, &mut rule).await?;
        simulated(engine, &rule, at)?;
        if rule.project.is_some() && rule.project_ids.as_ref().is_none_or(Vec::is_empty) {
            return Err(RuleError::new(format!("rules[{at}].project"), "no such project").into());
        }
        if rule.region.is_some() && rule.region_ids.as_ref().is_none_or(Vec::is_empty) {
            let e = RuleError::new(format!("rules[{at}].region"), "no project of that region");
            return Err(e.into());
        }
        if rule.id.is_none() {
            rule.id = Some(format!("fault-{}", ids.uuid("fault").simple()));
        }
        out.push(rule);
    }
    Ok(out)
}

/// A rule refused, or the store failing while resolving names.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `action` must match some action of the permission table, `operation` be the verb of one.
fn check_names(rule: &FaultRule, at: usize) -> Result<(), RuleError> {
    if let Some(pattern) = &rule.action {
        if !ACTIONS.iter().any(|a| matches(pattern, a)) {
            return Err(RuleError::new(
                format!("rules[{at}].action"),
                format!("{pattern} matches no action of the permission table"),
            ));
        }
    }
    if let Some(op) = &rule.operation {
        let known = ["start", "stop", "restart"]
            .iter()
            .any(|v| v.eq_ignore_ascii_case(op))
            || ACTIONS.iter().any(|a| {
                a.rsplit(':')
                    .next()
                    .is_some_and(|v| v.eq_ignore_ascii_case(op))
            });
        if !known {
            return Err(RuleError::new(
                format!("rules[{at}].operation"),
                format!("unknown operation {op} (the last word of an action name)"),
            ));
        }
    }
    Ok(())
}

/// A driver fault naming a resource must name a simulated one: other drivers' steps are
/// not matched.
fn simulated(engine: &Engine, rule: &FaultRule, at: usize) -> Result<(), PrepareError> {
    let (Some(_), Some(name)) = (&rule.driver, &rule.resource) else {
        return Ok(());
    };
    let field = format!("rules[{at}].resource");
    let named = engine.resources_named(name);
    if named.is_empty() {
        return Err(RuleError::new(field, format!("no resource {name}")).into());
    }
    if named.iter().any(|r| r.spec.driver != "sim") {
        let e = RuleError::new(field, "driver faults apply to simulated resources only");
        return Err(e.into());
    }
    Ok(())
}

/// Fills the ids of the projects the rule's `project` and `region` name.
async fn resolve(store: &dyn Store, rule: &mut FaultRule) -> Result<(), StoreError> {
    if rule.project.is_none() && rule.region.is_none() {
        return Ok(());
    }
    let projects = store.projects().await?;
    if let Some(p) = &rule.project {
        let ids = projects.iter().filter(|r| r.id == *p || r.name == *p);
        rule.project_ids = Some(ids.map(|r| r.id.clone()).collect());
    }
    if let Some(region) = &rule.region {
        let sub = format!("{region}_");
        let ids = projects
            .iter()
            .filter(|r| r.name == *region || r.name.starts_with(&sub));
        rule.region_ids = Some(ids.map(|r| r.id.clone()).collect());
    }
    Ok(())
}

/// The writes of a rule's use: its counters, and a firing with its audit record (the action
/// hit, outcome `faulted`, the rule and effect in the detail).
pub fn writes(used: FaultUse) -> Vec<Write> {
    let mut writes = Vec::with_capacity(2);
    if let Some(f) = &used.firing {
        let detail = serde_json::json!({
            "rule": f.rule_id, "effect": f.effect, "action": f.action, "step": f.step,
        });
        writes.push(Write::Audit(AuditRecord {
            id: 0,
            at: f.at,
            principal: f.principal.clone().unwrap_or_else(|| "switchboard".into()),
            project_id: f.project_id.clone(),
            action: f.action.clone().unwrap_or_else(|| f.family.clone()),
            target: f.resource.clone(),
            request_id: f.request_id.clone().unwrap_or_default(),
            source: None,
            outcome: FAULTED.into(),
            detail: Some(detail.to_string()),
        }));
    }
    writes.insert(0, Write::FaultUsed(used));
    writes
}

/// Queues every use the book reports (driver faults, retirements at start) in order.
pub fn attach(book: &FaultBook, store: Arc<dyn Store>) {
    book.set_sink(Box::new(move |used: FaultUse| store.enqueue(writes(used))));
}

/// Puts the stored rules back in `book`, then the configured ones (`configured`, with their
/// fixed ids) that are not there, first; writes the result when it changed.
pub async fn restore(
    book: &FaultBook,
    store: &dyn Store,
    configured: Vec<FaultRule>,
) -> Result<(), StoreError> {
    let mut kept = store.fault_rules().await?;
    for s in &mut kept {
        resolve(store, &mut s.rule).await?;
    }
    let missing: Vec<StoredRule> = configured
        .into_iter()
        .filter(|c| !kept.iter().any(|s| s.rule.id == c.id))
        .map(|rule| StoredRule {
            rule,
            matched: 0,
            fired: 0,
        })
        .collect();
    let changed = !missing.is_empty();
    let all: Vec<StoredRule> = missing.into_iter().chain(kept).collect();
    book.load(all.clone());
    if changed {
        store
            .commit(
                vec![Write::SetFaultRules(all)],
                switchboard_store::Priority::Answer,
            )
            .await?;
    }
    Ok(())
}
