//! Resource edits against the real SQLite store: laid over the configured spec after a restart
//! and a new config sync, top-level attributes replaced whole, refusals writing nothing.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use switchboard_core::{Driver, Lifecycle, ResourceKind, ResourceSpec};
use switchboard_drivers::sim::{SimConfig, SimDriver};
use switchboard_engine::{Engine, EngineConfig, ResourceEdit, ResourceError};
use switchboard_store::{AuditRecord, SqliteStore, Store, Synchronous};

const P: &str = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b";
const ID: &str = "flow-1";

fn spec() -> ResourceSpec {
    ResourceSpec {
        id: ID.into(),
        project_id: P.into(),
        kind: ResourceKind::Flow,
        name: "configured".into(),
        cluster: None,
        driver: "sim".into(),
        driver_config: Value::Null,
        depends_on: Vec::new(),
        initial_state: Lifecycle::Stopped,
        attrs: json!({"kept": 1, "nested": {"x": 1, "z": 3}}),
    }
}

/// Syncs the configured spec (as every start does) and opens the engine on `dir`.
async fn open(dir: &Path) -> Engine {
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir, Synchronous::Normal).await.unwrap());
    store
        .sync_inventory(
            &[("d1".into(), "switchboard".into())],
            &[(P.into(), "local-1".into(), "d1".into())],
            &[spec()],
        )
        .await
        .unwrap();
    let sim = SimDriver::open(&dir.join("sim"), SimConfig::default()).unwrap();
    let drivers: HashMap<String, Arc<dyn Driver>> =
        HashMap::from([("sim".to_string(), Arc::new(sim) as Arc<dyn Driver>)]);
    Engine::open(store, drivers, EngineConfig::default())
        .await
        .unwrap()
}

fn audit() -> AuditRecord {
    AuditRecord {
        id: 0,
        at: 0,
        principal: "admin@d1".into(),
        project_id: Some(P.into()),
        action: "live:ott:updateFlowSource".into(),
        target: Some(ID.into()),
        request_id: "req".into(),
        source: None,
        outcome: "modified".into(),
        detail: None,
    }
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn edits_are_laid_over_the_configured_spec_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let edited = engine
        .edit_resource(ID, audit(), |_| {
            Ok::<_, ResourceError>(ResourceEdit {
                name: Some("renamed".into()),
                attrs: attrs(json!({"nested": {"y": 2}})),
            })
        })
        .await
        .unwrap();
    assert_eq!(edited.spec.name, "renamed");
    engine
        .edit_resource(ID, audit(), |now| {
            assert_eq!(now.spec.name, "renamed", "each edit sees the last one");
            Ok::<_, ResourceError>(ResourceEdit {
                name: None,
                attrs: attrs(json!({"added": true})),
            })
        })
        .await
        .unwrap();
    let refused: Result<_, ResourceError> = engine
        .edit_resource(ID, audit(), |_| Err(ResourceError::Exists("no".into())))
        .await;
    assert!(refused.is_err());
    let unknown = engine
        .edit_resource("missing", audit(), |_| {
            Ok::<_, ResourceError>(ResourceEdit::default())
        })
        .await;
    assert!(matches!(unknown, Err(ResourceError::Unknown(_))));
    let live = engine.resource(ID).unwrap();
    drop(engine);

    let again = open(dir.path()).await;
    let r = again.resource(ID).unwrap();
    assert_eq!(
        r.spec.name, "renamed",
        "the name is kept when a later edit sets none"
    );
    let want = json!({"kept": 1, "nested": {"y": 2}, "added": true});
    assert_eq!(r.spec.attrs, want, "top-level keys replaced whole");
    assert_eq!(live.spec.attrs, want, "what was served is what was stored");
}
