//! Whole tables as JSON rows, for state snapshots: read in one transaction, in primary-key
//! order, and written back whole by `Write::ReplaceState` (in the commit's transaction).
//! Each row is a JSON object of column → value (null, integer, real or text), so a dump
//! restored and dumped again is the same, value for value.

use crate::{StoreError, StoreResult, Write};
use serde_json::{Map, Value};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Column, Row as _, SqliteConnection, TypeInfo, ValueRef};
use std::collections::BTreeMap;

/// One row: column → value.
pub type Row = Map<String, Value>;
/// Rows by table name.
pub type Tables = BTreeMap<String, Vec<Row>>;

/// The tables of the run-time state, parents first, each with its order.
pub const STATE_TABLES: &[(&str, &str)] = &[
    ("resources", "rowid"),
    ("resource_edits", "resource_id"),
    ("resource_metadata", "resource_id"),
    ("tasks", "id"),
    ("steps", "task_id, idx"),
    ("audit", "id"),
    ("fault_rules", "position"),
    ("fault_firings", "seq"),
    ("transitions", "position"),
];

/// The identity tables a snapshot holds when asked (tokens never: they are sessions).
pub const IDENTITY_TABLES: &[(&str, &str)] = &[
    ("users", "id"),
    ("role_assignments", "user_id, project_id, role"),
    ("system_admins", "user_id"),
    ("policies", "name"),
    ("user_policies", "user_id, policy"),
    ("credentials", "access_key"),
];

/// A column as a snapshot must give it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    /// `INTEGER`, `REAL` or `TEXT`.
    pub kind: String,
    /// NOT NULL without a default: a row must give it.
    pub required: bool,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn value(row: &SqliteRow, i: usize) -> StoreResult<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().name().to_string();
    Ok(match kind.as_str() {
        "INTEGER" | "BOOLEAN" => Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => Value::from(row.try_get::<f64, _>(i)?),
        _ => Value::from(row.try_get::<String, _>(i)?),
    })
}

/// Every row of `tables` (those of `STATE_TABLES`, and `IDENTITY_TABLES` when `identity`).
pub(crate) async fn dump(pool: &SqlitePool, identity: bool) -> StoreResult<Tables> {
    let mut tx = pool.begin().await?;
    let mut out = Tables::new();
    let identity_tables = if identity { IDENTITY_TABLES } else { &[] };
    for (table, order) in STATE_TABLES.iter().chain(identity_tables) {
        let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .fetch_all(&mut *tx)
            .await?;
        let mut list = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut obj = Row::new();
            for (i, c) in row.columns().iter().enumerate() {
                obj.insert(c.name().to_string(), value(row, i)?);
            }
            list.push(obj);
        }
        out.insert(table.to_string(), list);
    }
    tx.commit().await?;
    Ok(out)
}

/// The columns of every table a snapshot may hold.
pub(crate) async fn columns(pool: &SqlitePool) -> StoreResult<BTreeMap<String, Vec<ColumnInfo>>> {
    let mut out = BTreeMap::new();
    for (table, _) in STATE_TABLES.iter().chain(IDENTITY_TABLES) {
        let rows: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(&format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"
        ))
        .fetch_all(pool)
        .await?;
        // A key SQLite numbers itself (AUTOINCREMENT) may be left out; any other key must be
        // given, though SQLite would take a NULL in a TEXT key.
        let numbered: Option<String> =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
                .bind(table)
                .fetch_optional(pool)
                .await?;
        let numbered = numbered.is_some_and(|sql| sql.to_uppercase().contains("AUTOINCREMENT"));
        let cols = rows
            .into_iter()
            .map(|(name, kind, notnull, default, pk)| ColumnInfo {
                name,
                kind: kind.to_uppercase(),
                required: (notnull != 0 && default.is_none()) || (pk > 0 && !numbered),
            })
            .collect();
        out.insert(table.to_string(), cols);
    }
    Ok(out)
}

fn bind_value<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    v: &'q Value,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match v {
        Value::Null => q.bind(None::<String>),
        Value::Bool(b) => q.bind(*b as i64),
        Value::Number(n) => match n.as_i64() {
            Some(i) => q.bind(i),
            None => q.bind(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => q.bind(s.as_str()),
        other => q.bind(other.to_string()),
    }
}

/// Applies a reset or a replacement inside the commit's transaction.
pub(crate) async fn apply(conn: &mut SqliteConnection, w: &Write) -> StoreResult<()> {
    match w {
        Write::ResetResource { id, state, at } => {
            sqlx::query(
                "UPDATE resources SET state = ?, active_task_id = NULL, last_error = NULL,
                 deleted = 0, updated_at = ? WHERE id = ?",
            )
            .bind(state.as_str())
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            for table in ["resource_edits", "resource_metadata"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE resource_id = ?"))
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Write::ReplaceState(tables) => replace(conn, tables).await?,
        _ => {}
    }
    Ok(())
}

async fn replace(conn: &mut SqliteConnection, tables: &Tables) -> StoreResult<()> {
    // Checked at commit: users come back under the tokens that name them.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    let order: Vec<&str> = STATE_TABLES
        .iter()
        .chain(IDENTITY_TABLES)
        .map(|(t, _)| *t)
        .filter(|t| tables.contains_key(*t))
        .collect();
    if let Some(users) = tables.get("users") {
        // Sessions of users the snapshot does not hold go with them.
        let ids: Vec<&Value> = users.iter().filter_map(|u| u.get("id")).collect();
        sqlx::query("DELETE FROM tokens WHERE user_id NOT IN (SELECT value FROM json_each(?))")
            .bind(serde_json::to_string(&ids).map_err(corrupt)?)
            .execute(&mut *conn)
            .await?;
    }
    // Children first, then parents back in.
    for table in order.iter().rev() {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    for table in order {
        for row in &tables[table] {
            let cols: Vec<&String> = row.keys().collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                cols.iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                vec!["?"; cols.len()].join(", ")
            );
            let mut q = sqlx::query(&sql);
            for v in row.values() {
                q = bind_value(q, v);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}
