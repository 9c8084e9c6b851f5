//! State snapshots (`docs/snapshot.md`): the document's export, its checks, and its restore.
//! The document is `{"format": "switchboard-snapshot", "version": 1, "tables": {…}, "sim": {…}}`
//! serialised with sorted keys and rows in key order, so the same state always gives the same
//! bytes. The restore's own audit records are kept across restores and left out of exports,
//! so that export → change → restore → export gives the first export back.

mod check;

use crate::native::NativeError;
use crate::AppState;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use switchboard_core::Lifecycle;
use switchboard_store::snapshot::Tables;
use switchboard_store::{AuditFilter, AuditRecord, TextMatch, Write};

/// The document's `format`.
pub const FORMAT: &str = "switchboard-snapshot";
/// The document's `version`.
pub const VERSION: u64 = 1;
/// The audit action of a restore.
pub const IMPORT: &str = "switchboard:state:import";

/// The whole state as the document's bytes (identity tables when `identity`).
pub(crate) async fn export(state: &AppState, identity: bool) -> Result<Vec<u8>, NativeError> {
    let mut tables = state.store.dump(identity).await?;
    if let Some(audit) = tables.get_mut("audit") {
        audit.retain(|r| r.get("action").and_then(Value::as_str) != Some(IMPORT));
    }
    let sim = state
        .engine
        .driver_states("sim")
        .await
        .map_err(NativeError::internal)?;
    let sim: Map<String, Value> = sim
        .into_iter()
        .map(|(id, (s, detail))| (id, json!({"state": s.as_str(), "detail": detail})))
        .collect();
    let doc = json!({"format": FORMAT, "version": VERSION, "tables": tables, "sim": sim});
    let mut bytes = serde_json::to_vec(&doc).map_err(NativeError::internal)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// What a restore did.
pub(crate) struct Restored {
    pub resources: usize,
    pub tasks: usize,
    pub still_stopping: Vec<i64>,
}

/// Checks the document and, when it is sound, replaces the state by it (one transaction),
/// rebuilds the engine's world and the simulated one, and reloads the fault rules. `audit`
/// (the restore's record) is committed with it.
pub(crate) async fn restore(
    state: &AppState,
    raw: &[u8],
    audit: AuditRecord,
) -> Result<Restored, NativeError> {
    let doc: Value = serde_json::from_slice(raw)
        .map_err(|e| NativeError::bad_request(format!("malformed JSON body: {e}")))?;
    let columns = state.store.snapshot_columns().await?;
    let (mut tables, sim) = check::document(&doc, &columns)?;
    check::same_inventory(&tables, &state.store.resources().await?)?;
    keep_restores(state, &mut tables).await?;
    let counts = (count(&tables, "resources"), count(&tables, "tasks"));
    let writes = vec![
        Write::ReplaceState(std::sync::Arc::new(tables)),
        Write::Audit(audit),
    ];
    let still_stopping = state
        .engine
        .restore(writes, &sim)
        .await
        .map_err(NativeError::internal)?;
    crate::faults::rules::restore(&state.faults, state.store.as_ref(), Vec::new()).await?;
    crate::transitions::restore(&state.transitions, state.store.as_ref()).await?;
    Ok(Restored {
        resources: counts.0,
        tasks: counts.1,
        still_stopping,
    })
}

fn count(tables: &Tables, table: &str) -> usize {
    tables.get(table).map_or(0, Vec::len)
}

/// Appends the audit records of earlier restores (renumbered), which exports leave out.
async fn keep_restores(state: &AppState, tables: &mut Tables) -> Result<(), NativeError> {
    let filter = AuditFilter {
        action: Some(TextMatch::Exact(IMPORT.into())),
        limit: i64::MAX,
        ..AuditFilter::default()
    };
    let mut kept = state.store.audit(&filter).await?;
    kept.reverse();
    let rows = tables.entry("audit".into()).or_default();
    for a in kept {
        let row = json!({"at": a.at, "principal": a.principal, "project_id": a.project_id,
            "action": a.action, "target": a.target, "request_id": a.request_id,
            "source": a.source, "outcome": a.outcome, "detail": a.detail});
        if let Value::Object(map) = row {
            rows.push(map);
        }
    }
    Ok(())
}

/// Simulated resources' states as the document gives them.
pub(crate) type SimStates = BTreeMap<String, (Lifecycle, Option<String>)>;

/// Applies a snapshot file at start (`serve --snapshot`), before serving; a summary, or why
/// the file was refused.
pub async fn restore_at_start(state: &AppState, raw: &[u8]) -> Result<String, String> {
    let audit = AuditRecord {
        id: 0,
        at: switchboard_core::now_millis(),
        principal: "switchboard".into(),
        project_id: None,
        action: IMPORT.into(),
        target: Some("serve --snapshot".into()),
        request_id: String::new(),
        source: None,
        outcome: "done".into(),
        detail: None,
    };
    let done = restore(state, raw, audit).await.map_err(|e| e.message)?;
    Ok(format!(
        "{} resources, {} tasks",
        done.resources, done.tasks
    ))
}
