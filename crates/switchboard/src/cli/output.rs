//! Printing results: tables for people, the exact API objects as JSON or YAML for programs.

use super::args::{Format, Global};
use super::exit::{CliResult, Failure};
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::Value;
use std::io::IsTerminal;

/// Whether colours may be used on stderr/stdout (a terminal, and no `NO_COLOR`).
pub fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// A cell's text: strings bare, null empty, the rest as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Prints `value` as asked: JSON/YAML as is, or the table of `rows` with `columns` (each a
/// header and the field it shows).
pub fn print(
    global: &Global,
    value: &Value,
    rows: &[Value],
    columns: &[(&str, &str)],
) -> CliResult {
    match global.output {
        Format::Json => print_json(value),
        Format::Yaml => print_yaml(value),
        Format::Table => {
            let mut table = Table::new();
            if std::io::stdout().is_terminal() {
                table
                    .load_preset(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic);
            } else {
                // Aligned columns without box drawing: what grep and a CI log read well.
                table.load_preset(presets::NOTHING);
            }
            table.set_header(columns.iter().map(|(h, _)| *h));
            for row in rows {
                table.add_row(columns.iter().map(|(_, field)| text(&pointer(row, field))));
            }
            println!("{}", table.to_string().trim_end());
            Ok(())
        }
    }
}

/// A field by name, or by JSON pointer when it starts with `/`.
fn pointer(row: &Value, field: &str) -> Value {
    if field.starts_with('/') {
        row.pointer(field).cloned().unwrap_or(Value::Null)
    } else {
        row[field].clone()
    }
}

pub fn print_json(value: &Value) -> CliResult {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::other(e.to_string()))?;
    println!("{text}");
    Ok(())
}

pub fn print_yaml(value: &Value) -> CliResult {
    let text = serde_yaml::to_string(value).map_err(|e| Failure::other(e.to_string()))?;
    print!("{text}");
    Ok(())
}

/// Prints one object: JSON/YAML as is, else `key: value` lines of its scalar fields.
pub fn print_object(global: &Global, value: &Value) -> CliResult {
    match global.output {
        Format::Json => print_json(value),
        Format::Yaml => print_yaml(value),
        Format::Table => {
            let mut table = Table::new();
            table.load_preset(if std::io::stdout().is_terminal() {
                presets::UTF8_FULL_CONDENSED
            } else {
                presets::NOTHING
            });
            if let Some(obj) = value.as_object() {
                for (k, v) in obj.iter().filter(|(_, v)| !v.is_object()) {
                    if !(v.is_array()
                        && v.as_array().is_some_and(|a| a.iter().any(Value::is_object)))
                    {
                        table.add_row(vec![k.clone(), text(v)]);
                    }
                }
            }
            println!("{}", table.to_string().trim_end());
            Ok(())
        }
    }
}
