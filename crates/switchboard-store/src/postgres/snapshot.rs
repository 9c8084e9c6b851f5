//! Snapshots on PostgreSQL, in the same form as SQLite's (`crate::snapshot`): every column as
//! null, integer, real or text, booleans as 0 and 1, so a dump of either store restores into the
//! other. `resources.ord` (creation order) is left out: the order of the rows carries it.

use super::PgStore;
use crate::snapshot::{ColumnInfo, Row, Tables, IDENTITY_TABLES, STATE_TABLES};
use crate::{SnapshotStore, StoreError, StoreResult};
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::{Postgres, Row as _};
use std::collections::BTreeMap;

/// The order of a table's rows here, where it differs from SQLite's.
fn order(table: &str, sqlite_order: &'static str) -> &'static str {
    if table == "resources" {
        "ord"
    } else {
        sqlite_order
    }
}

/// Columns only this store has; a task's `executor` is which replica runs it, not state (a
/// restored task is claimed anew).
const HIDDEN: &[&str] = &["ord", "executor"];

/// The snapshot's kind of a PostgreSQL type.
fn kind(data_type: &str) -> &'static str {
    match data_type {
        "bigint" | "integer" | "smallint" | "boolean" => "INTEGER",
        "double precision" | "real" | "numeric" => "REAL",
        _ => "TEXT",
    }
}

/// Each column of `table`: its name, PostgreSQL type, whether a row must give it.
async fn table_columns(
    conn: &mut PgConnection,
    table: &str,
) -> StoreResult<Vec<(String, String, bool)>> {
    let rows = sqlx::query(
        "SELECT column_name::text, data_type::text, is_nullable = 'NO' AND column_default IS NULL \
         AND is_identity = 'NO' FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .filter(|c: &StoreResult<(String, String, bool)>| {
            c.as_ref()
                .map_or(true, |(name, _, _)| !HIDDEN.contains(&name.as_str()))
        })
        .collect()
}

/// A stored value as SQLite's snapshot gives it.
fn snapshot_value(v: Value, data_type: &str) -> Value {
    match (v, kind(data_type)) {
        (Value::Bool(b), _) => Value::from(b as i64),
        (Value::Number(n), "REAL") => Value::from(n.as_f64().unwrap_or_default()),
        (v, _) => v,
    }
}

fn bind<'q>(
    q: sqlx::query::Query<'q, Postgres, PgArguments>,
    v: &'q Value,
    data_type: &str,
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    let int = || match v {
        Value::Bool(b) => Some(*b as i64),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    match data_type {
        "boolean" => q.bind(int().map(|i| i != 0)),
        "bigint" | "integer" | "smallint" => q.bind(int()),
        "double precision" | "real" | "numeric" => q.bind(match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }),
        _ => q.bind(match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }),
    }
}

/// Replaces every table the snapshot holds, in the commit's transaction.
pub(super) async fn replace(conn: &mut PgConnection, tables: &Tables) -> StoreResult<()> {
    // Checked at commit: users come back under the tokens that name them.
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
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
        let ids: Vec<&str> = users
            .iter()
            .filter_map(|u| u.get("id").and_then(Value::as_str))
            .collect();
        sqlx::query("DELETE FROM tokens WHERE user_id <> ALL($1)")
            .bind(ids)
            .execute(&mut *conn)
            .await?;
    }
    for table in order.iter().rev() {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    for table in order {
        let types: BTreeMap<String, String> = table_columns(conn, table)
            .await?
            .into_iter()
            .map(|(name, data_type, _)| (name, data_type))
            .collect();
        for row in &tables[table] {
            let mut cols = Vec::with_capacity(row.len());
            for c in row.keys() {
                if !types.contains_key(c) {
                    return Err(StoreError::Corrupt(format!("{table} has no column {c:?}")));
                }
                cols.push(format!("\"{c}\""));
            }
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ({})",
                cols.join(", "),
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (c, v) in row {
                q = bind(q, v, &types[c]);
            }
            q.execute(&mut *conn).await?;
        }
    }
    // Numbering goes on after the restored rows.
    for (table, column) in [("audit", "id"), ("fault_firings", "seq")] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl SnapshotStore for PgStore {
    async fn dump(&self, identity: bool) -> StoreResult<Tables> {
        let mut tx = self.pool.begin().await?;
        // One consistent view of every table.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let mut out = Tables::new();
        let identity_tables = if identity { IDENTITY_TABLES } else { &[] };
        for (table, sqlite_order) in STATE_TABLES.iter().chain(identity_tables) {
            let types = table_columns(&mut tx, table).await?;
            let sql = format!(
                "SELECT to_jsonb(t)::text FROM {table} t ORDER BY {}",
                order(table, sqlite_order)
            );
            let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(&mut *tx).await?;
            let mut list = Vec::with_capacity(rows.len());
            for text in rows {
                let mut stored: Row = serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("{table} row: {e}")))?;
                let mut row = Row::new();
                for (name, data_type, _) in &types {
                    let v = stored.remove(name).unwrap_or(Value::Null);
                    row.insert(name.clone(), snapshot_value(v, data_type));
                }
                list.push(row);
            }
            out.insert(table.to_string(), list);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn snapshot_columns(&self) -> StoreResult<BTreeMap<String, Vec<ColumnInfo>>> {
        let mut conn = self.pool.acquire().await?;
        let mut out = BTreeMap::new();
        for (table, _) in STATE_TABLES.iter().chain(IDENTITY_TABLES) {
            let cols = table_columns(&mut conn, table)
                .await?
                .into_iter()
                .map(|(name, data_type, required)| ColumnInfo {
                    kind: kind(&data_type).to_string(),
                    name,
                    required,
                })
                .collect();
            out.insert(table.to_string(), cols);
        }
        Ok(out)
    }
}
