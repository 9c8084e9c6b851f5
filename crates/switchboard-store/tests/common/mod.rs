//! What the store's tests share: a simulated server of project `p1`, and a store opened on a
//! directory with that project.

#![allow(dead_code)]

use switchboard_core::{Lifecycle, ResourceKind, ResourceSpec};
use switchboard_store::{InventoryStore, SqliteStore, Synchronous};

/// The domain and the project every test store holds.
const DOMAINS: [(&str, &str); 1] = [("d1", "default")];
const PROJECTS: [(&str, &str, &str); 1] = [("p1", "local-1", "d1")];

/// A stopped simulated server of project `p1`.
pub fn server(id: &str, name: &str) -> ResourceSpec {
    ResourceSpec {
        id: id.into(),
        project_id: "p1".into(),
        kind: ResourceKind::Server,
        name: name.into(),
        cluster: None,
        driver: "sim".into(),
        driver_config: serde_json::Value::Null,
        depends_on: vec![],
        initial_state: Lifecycle::Stopped,
        attrs: serde_json::Value::Null,
    }
}

/// A store in `dir` with project `p1` and `resources`.
pub async fn open(dir: &std::path::Path, resources: &[ResourceSpec]) -> SqliteStore {
    let store = SqliteStore::open(dir, Synchronous::Full).await.unwrap();
    sync(&store, resources).await;
    store
}

/// Syncs `resources` as the inventory, with project `p1`.
pub async fn sync(store: &SqliteStore, resources: &[ResourceSpec]) {
    let domains = DOMAINS.map(|(id, name)| (id.to_string(), name.to_string()));
    let projects =
        PROJECTS.map(|(id, name, domain)| (id.to_string(), name.to_string(), domain.to_string()));
    store
        .sync_inventory(&domains, &projects, resources)
        .await
        .unwrap();
}
