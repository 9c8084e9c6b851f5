//! Syncing the inventory at start writes only what changed: a restart with the same
//! inventory writes no resource row, whatever the inventory's size.

use sqlx::{Connection, SqliteConnection};
mod common;

use switchboard_core::ResourceSpec;
use switchboard_store::InventoryStore;

fn server(i: usize, name: &str) -> ResourceSpec {
    common::server(&format!("00000000-0000-4000-8000-{i:012}"), name)
}

/// Counts every row written to `resources` from now on.
async fn count_writes(conn: &mut SqliteConnection) {
    for sql in [
        "CREATE TABLE written (id TEXT)",
        "CREATE TRIGGER written_u AFTER UPDATE ON resources BEGIN INSERT INTO written VALUES (new.id); END",
        "CREATE TRIGGER written_i AFTER INSERT ON resources BEGIN INSERT INTO written VALUES (new.id); END",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
}

async fn written(conn: &mut SqliteConnection) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM written ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM written")
        .execute(&mut *conn)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn a_sync_writes_only_the_rows_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    // More than one statement's worth of rows (1,000 each).
    let mut inventory: Vec<ResourceSpec> = (0..2500).map(|i| server(i, &format!("s{i}"))).collect();
    let store = common::open(dir.path(), &inventory).await;
    let stored = store.resources().await.unwrap();
    assert_eq!(stored.len(), 2500);
    assert!(stored
        .iter()
        .zip(&inventory)
        .all(|(r, s)| r.spec == *s && r.configured));
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    count_writes(&mut conn).await;

    common::sync(&store, &inventory).await;
    assert!(written(&mut conn).await.is_empty(), "the same inventory");

    // One renamed, one dropped, one added.
    inventory[3].name = "renamed".into();
    let dropped = inventory.remove(7);
    inventory.push(server(2500, "new"));
    common::sync(&store, &inventory).await;
    let mut expected = vec![
        inventory[3].id.clone(),
        dropped.id.clone(),
        server(2500, "").id,
    ];
    expected.sort();
    assert_eq!(written(&mut conn).await, expected);
    let stored = store.resources().await.unwrap();
    let find = |id: &str| stored.iter().find(|r| r.spec.id == id).unwrap();
    assert_eq!(find(&inventory[3].id).spec.name, "renamed");
    assert!(find(&inventory[3].id).configured);
    assert!(!find(&dropped.id).configured, "no longer declared");
    assert!(find(&server(2500, "").id).configured);

    // Declared again: configured again, and nothing else written.
    inventory.push(dropped.clone());
    common::sync(&store, &inventory).await;
    assert_eq!(written(&mut conn).await, vec![dropped.id.clone()]);
    let stored = store.resources().await.unwrap();
    assert!(
        stored
            .iter()
            .find(|r| r.spec.id == dropped.id)
            .unwrap()
            .configured
    );
}
