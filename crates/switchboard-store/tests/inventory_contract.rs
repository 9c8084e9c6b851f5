//! The inventory seam's contract, the same checks on every backend: resources synced from the
//! inventory read back in creation order, a new inventory changes only what it changes, and
//! server metadata changes are atomic, refusable, and never lost to a concurrent one.

mod common;

use std::sync::Arc;
use switchboard_core::Lifecycle;
use switchboard_store::{InventoryStore, Metadata};

/// SQLite in `dir`, and PostgreSQL on a database of its own when the test cluster is there.
async fn backends(dir: &std::path::Path) -> Vec<Arc<dyn InventoryStore>> {
    let mut stores: Vec<Arc<dyn InventoryStore>> = vec![Arc::new(common::open(dir, &[]).await)];
    if let Some(postgres) = common::postgres().await {
        stores.push(Arc::new(postgres));
    }
    stores
}

async fn sync(store: &dyn InventoryStore, resources: &[switchboard_core::ResourceSpec]) {
    let domains = [("d1".to_string(), "default".to_string())];
    let projects = [("p1".into(), "local-1".into(), "d1".into())];
    store
        .sync_inventory(&domains, &projects, resources)
        .await
        .unwrap();
}

fn items(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_new_inventory_changes_only_what_it_changes_and_keeps_the_order() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        // Ids out of byte order, so that creation order is what is checked.
        let (b, a) = (
            common::server("b-2", "beta"),
            common::server("a-1", "alpha"),
        );
        sync(&*store, &[b.clone(), a.clone()]).await;
        let read = store.resources().await.unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].spec, b);
        assert_eq!(read[1].spec, a);
        assert!(read
            .iter()
            .all(|r| r.configured && !r.deleted && r.active_task.is_none()));
        assert!(read.iter().all(|r| r.state == Lifecycle::Stopped));

        // Renamed, dropped, and a newcomer: the renamed one keeps its place, the newcomer goes
        // last, the dropped one stays as if created through the API.
        let mut renamed = a.clone();
        renamed.name = "alpha-2".into();
        renamed.initial_state = Lifecycle::Running;
        let c = common::server("c-0", "gamma");
        sync(&*store, &[renamed.clone(), c.clone()]).await;
        let read = store.resources().await.unwrap();
        let ids: Vec<&str> = read.iter().map(|r| r.spec.id.as_str()).collect();
        assert_eq!(ids, ["b-2", "a-1", "c-0"]);
        assert!(!read[0].configured, "no longer declared");
        assert_eq!(read[1].spec, renamed);
        assert!(read[1].configured);
        // A known resource keeps its state: the initial state applies to new ones only.
        assert_eq!(read[1].state, Lifecycle::Stopped);
        assert_eq!(read[2].spec, c);

        // Declared again, it is configured again.
        sync(&*store, &[b.clone(), renamed, c]).await;
        assert!(store.resources().await.unwrap()[0].configured);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metadata_changes_are_atomic_and_refusable() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        sync(
            &*store,
            &[common::server("s1", "one"), common::server("s2", "two")],
        )
        .await;
        assert_eq!(store.metadata("s1").await.unwrap(), None);

        let seed = items(&[("from", "inventory")]);
        let changed = store
            .update_metadata(
                "s1",
                &seed,
                Box::new(|m| m.insert("k".into(), "v".into()).is_none()),
            )
            .await
            .unwrap();
        let expected = items(&[("from", "inventory"), ("k", "v")]);
        assert_eq!(changed.as_ref(), Some(&expected));
        assert_eq!(store.metadata("s1").await.unwrap(), Some(expected.clone()));

        // A refused change writes nothing, not even the seed of a resource never written.
        let refused = store
            .update_metadata(
                "s1",
                &seed,
                Box::new(|m| {
                    m.clear();
                    false
                }),
            )
            .await
            .unwrap();
        assert_eq!(refused, None);
        assert_eq!(store.metadata("s1").await.unwrap(), Some(expected.clone()));
        let refused = store
            .update_metadata("s2", &seed, Box::new(|_| false))
            .await
            .unwrap();
        assert_eq!(refused, None);
        assert_eq!(store.metadata("s2").await.unwrap(), None);

        let of = store
            .metadata_of(&["s1".into(), "s2".into(), "nowhere".into()])
            .await
            .unwrap();
        assert_eq!(of.len(), 1);
        assert_eq!(of["s1"], expected);

        // Concurrent read-modify-writes of one resource: none is lost.
        let writers = (0..32).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let bump = Box::new(|m: &mut Metadata| {
                    let n: u32 = m.get("n").map_or(0, |n| n.parse().unwrap());
                    m.insert("n".into(), (n + 1).to_string());
                    true
                });
                store
                    .update_metadata("s2", &Metadata::new(), bump)
                    .await
                    .unwrap()
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.unwrap();
        }
        assert_eq!(
            store.metadata("s2").await.unwrap(),
            Some(items(&[("n", "32")]))
        );
    }
}
