//! A snapshot document's checks, before anything is written: its shape, every row against
//! the table's columns, the values the engine parses, and its inventory against this server's.
//! Errors name the field (`tables.tasks[3].state`).

use super::{SimStates, FORMAT, VERSION};
use crate::native::NativeError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use switchboard_core::{Action, Lifecycle, ResourceSpec, StepState, TaskState};
use switchboard_store::snapshot::{ColumnInfo, Tables, IDENTITY_TABLES, STATE_TABLES};
use switchboard_store::ResourceRecord;

fn bad(field: impl std::fmt::Display, why: impl std::fmt::Display) -> NativeError {
    NativeError::bad_request(format!("{field}: {why}"))
}

/// The tables and simulated states of a sound document.
pub fn document(
    doc: &Value,
    columns: &BTreeMap<String, Vec<ColumnInfo>>,
) -> Result<(Tables, SimStates), NativeError> {
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(bad("format", format!("must be \"{FORMAT}\"")));
    }
    if doc.get("version").and_then(Value::as_u64) != Some(VERSION) {
        return Err(bad("version", format!("must be {VERSION}")));
    }
    let tables: Tables = match doc.get("tables") {
        Some(v @ Value::Object(_)) => serde_json::from_value(v.clone()).map_err(|e| {
            bad(
                "tables",
                format!("every table must be an array of objects: {e}"),
            )
        })?,
        _ => return Err(bad("tables", "required, an object")),
    };
    for (table, _) in STATE_TABLES {
        if !tables.contains_key(*table) {
            return Err(bad(format!("tables.{table}"), "required"));
        }
    }
    for (table, rows) in &tables {
        let known = STATE_TABLES.iter().chain(IDENTITY_TABLES);
        if !known.clone().any(|(t, _)| t == table) {
            return Err(bad(format!("tables.{table}"), "unknown table"));
        }
        let cols = columns.get(table).map(Vec::as_slice).unwrap_or_default();
        for (i, row) in rows.iter().enumerate() {
            rows_fit(table, i, row, cols)?;
            parses(table, i, row)?;
        }
    }
    if IDENTITY_TABLES.iter().any(|(t, _)| tables.contains_key(*t))
        && !IDENTITY_TABLES.iter().all(|(t, _)| tables.contains_key(*t))
    {
        return Err(bad(
            "tables",
            "identity tables come all together or not at all",
        ));
    }
    Ok((tables, sim(doc.get("sim"))?))
}

fn rows_fit(
    table: &str,
    i: usize,
    row: &serde_json::Map<String, Value>,
    cols: &[ColumnInfo],
) -> Result<(), NativeError> {
    for (key, v) in row {
        let field = format!("tables.{table}[{i}].{key}");
        let Some(col) = cols.iter().find(|c| c.name == *key) else {
            return Err(bad(field, "unknown column"));
        };
        let fits = match (col.kind.as_str(), v) {
            (_, Value::Null) => !col.required,
            ("INTEGER", v) => v.is_i64(),
            ("REAL", v) => v.is_number(),
            (_, v) => v.is_string(),
        };
        if !fits {
            let want = if v.is_null() {
                "required"
            } else {
                "wrong type"
            };
            return Err(bad(field, format!("{want} ({})", col.kind.to_lowercase())));
        }
    }
    if let Some(c) = cols
        .iter()
        .find(|c| c.required && !row.contains_key(&c.name))
    {
        return Err(bad(format!("tables.{table}[{i}].{}", c.name), "required"));
    }
    Ok(())
}

/// The values the engine reads back must parse.
fn parses(table: &str, i: usize, row: &serde_json::Map<String, Value>) -> Result<(), NativeError> {
    let text = |k: &str| row.get(k).and_then(Value::as_str);
    let field = |k: &str| format!("tables.{table}[{i}].{k}");
    let check = |k: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(bad(field(k), "invalid"))
        }
    };
    match table {
        "resources" => {
            check("state", text("state").and_then(Lifecycle::parse).is_some())?;
            let spec = text("spec").map(serde_json::from_str::<ResourceSpec>);
            if let Some(Err(e)) = spec {
                return Err(bad(field("spec"), e));
            }
        }
        "tasks" => {
            check("state", text("state").and_then(TaskState::parse).is_some())?;
            check("action", text("action").and_then(Action::parse).is_some())?;
        }
        "steps" => {
            check("state", text("state").and_then(StepState::parse).is_some())?;
            check("action", text("action").and_then(Action::parse).is_some())?;
        }
        "fault_rules" => {
            let rule =
                text("rule").map(serde_json::from_str::<switchboard_core::faults::FaultRule>);
            if let Some(Err(e)) = rule {
                return Err(bad(field("rule"), e));
            }
        }
        "transitions" => {
            let setting = text("setting")
                .map(serde_json::from_str::<switchboard_core::transitions::Transition>);
            if let Some(Err(e)) = setting {
                return Err(bad(field("setting"), e));
            }
        }
        _ => {}
    }
    Ok(())
}

fn sim(v: Option<&Value>) -> Result<SimStates, NativeError> {
    let mut out = SimStates::new();
    let Some(v) = v else { return Ok(out) };
    let Value::Object(map) = v else {
        return Err(bad("sim", "must be an object"));
    };
    for (id, entry) in map {
        let state = entry
            .get("state")
            .and_then(Value::as_str)
            .and_then(Lifecycle::parse)
            .ok_or_else(|| bad(format!("sim.{id}.state"), "invalid"))?;
        let detail = entry
            .get("detail")
            .and_then(Value::as_str)
            .map(str::to_string);
        out.insert(id.clone(), (state, detail));
    }
    Ok(out)
}

/// The document's inventory resources must be this server's: 409 naming those that differ.
pub fn same_inventory(tables: &Tables, here: &[ResourceRecord]) -> Result<(), NativeError> {
    let theirs: BTreeSet<&str> = tables["resources"]
        .iter()
        .filter(|r| r.get("configured").and_then(Value::as_i64) != Some(0))
        .filter_map(|r| r.get("id").and_then(Value::as_str))
        .collect();
    let ours: BTreeSet<&str> = here
        .iter()
        .filter(|r| r.configured)
        .map(|r| r.spec.id.as_str())
        .collect();
    if theirs == ours {
        return Ok(());
    }
    let missing: Vec<&&str> = theirs.difference(&ours).collect();
    let extra: Vec<&&str> = ours.difference(&theirs).collect();
    Err(NativeError::conflict(format!(
        "the snapshot is of another inventory: not here: {missing:?}; not in the snapshot: {extra:?}"
    )))
}
