//! A replica started on the inventory the database was last synced with (the same fingerprint)
//! does not read every resource back to compare it: takeovers and restarts skip the sync. A
//! new inventory is synced, and so is any inventory after a restore replaced the resources.

mod common;

use std::time::Duration;
use switchboard_store::{
    CommitStore, InventoryStore, PgStore, Priority, Replica, SnapshotStore, StoreOptions, Write,
};

async fn leading(url: &str, name: &str, inventory: &str) -> PgStore {
    let replica = Replica {
        name: name.into(),
        lease: Duration::from_secs(10),
        inventory: Some(inventory.into()),
        master_key: Some("key".into()),
        ..Replica::default()
    };
    PgStore::open_replica(url, &StoreOptions::default(), &replica)
        .await
        .unwrap()
}

/// Syncs `ids` (one resource each) and says which resources are stored, configured or not.
async fn sync(store: &PgStore, ids: &[&str]) -> Vec<(String, bool)> {
    let domains = [("d1".to_string(), "default".to_string())];
    let projects = [("p1".to_string(), "local-1".to_string(), "d1".to_string())];
    let resources: Vec<_> = ids.iter().map(|id| common::server(id, id)).collect();
    store
        .sync_inventory(&domains, &projects, &resources)
        .await
        .unwrap();
    let mut stored: Vec<(String, bool)> = store
        .resources()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.spec.id, r.configured))
        .collect();
    stored.sort();
    stored
}

fn owned(pairs: &[(&str, bool)]) -> Vec<(String, bool)> {
    pairs.iter().map(|(id, c)| (id.to_string(), *c)).collect()
}

#[tokio::test]
async fn the_inventory_last_synced_is_not_synced_again_until_a_restore() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let a = leading(&url, "a", "inventory-1").await;
    assert_eq!(sync(&a, &["r1"]).await, owned(&[("r1", true)]));
    let before = a.dump(false).await.unwrap();
    drop(a);

    // The same fingerprint: nothing is compared or written. (Resources that differ under the
    // same fingerprint cannot come from a real inventory; here they show the sync was skipped.)
    let b = leading(&url, "b", "inventory-1").await;
    assert_eq!(sync(&b, &["r2"]).await, owned(&[("r1", true)]));
    drop(b);

    // Another inventory is synced.
    let c = leading(&url, "c", "inventory-2").await;
    assert_eq!(
        sync(&c, &["r2"]).await,
        owned(&[("r1", false), ("r2", true)])
    );
    // A restore puts other resources back: the next start syncs whatever its inventory is.
    c.commit(
        vec![Write::ReplaceState(std::sync::Arc::new(before))],
        Priority::Answer,
    )
    .await
    .unwrap();
    drop(c);
    let d = leading(&url, "d", "inventory-2").await;
    assert_eq!(
        sync(&d, &["r2"]).await,
        owned(&[("r1", false), ("r2", true)])
    );
}
