//! Snapshots are the same on every backend: the columns a snapshot gives are the same, a dump
//! restored and dumped again is the same value for value, and a dump of one backend restores
//! into the other and dumps back the same.

mod common;

use switchboard_core::faults::StoredRule;
use switchboard_core::{Action, Lifecycle, StepState, TaskState};
use switchboard_store::snapshot::Tables;
use switchboard_store::{
    AuditFilter, AuditRecord, InventoryStore, Priority, StepRecord, Store, TaskRecord, UserRecord,
    UserUpdate, Write,
};

/// SQLite in `dir`, and PostgreSQL when the test cluster is there, with servers `r1` and `r2`.
async fn stores(dir: &std::path::Path) -> Vec<Box<dyn Store>> {
    let resources = [common::server("r1", "one"), common::server("r2", "two")];
    let mut stores: Vec<Box<dyn Store>> = vec![Box::new(common::open(dir, &resources).await)];
    if let Some(postgres) = common::postgres().await {
        let domains = [("d1".to_string(), "default".to_string())];
        let projects = [("p1".into(), "local-1".into(), "d1".into())];
        postgres
            .sync_inventory(&domains, &projects, &resources)
            .await
            .unwrap();
        stores.push(Box::new(postgres));
    }
    stores
}

/// A bit of every table a snapshot holds: a finished task with steps, an audit record, a
/// resource edited and given metadata, a fault rule, a transition, a user with a role, a
/// policy and an AK/SK credential.
async fn fill(store: &dyn Store) {
    let task = TaskRecord {
        id: 7,
        project_id: "p1".into(),
        kind: "nova.server".into(),
        action: Action::Start,
        target_id: Some("r1".into()),
        targets: vec!["r1".into()],
        only_self: true,
        principal: "admin@default".into(),
        request_id: "req-7".into(),
        state: TaskState::Complete,
        progress: 100.0,
        error: None,
        created_at: 1_000,
        updated_at: 2_000,
        finished_at: Some(2_000),
        cancel_requested: false,
        executor: None,
    };
    let step = StepRecord {
        task_id: 7,
        idx: 0,
        resource_id: "r1".into(),
        action: Action::Start,
        follow_task: None,
        after: vec![],
        state: StepState::Done,
        attempts: 1,
        prior_state: Lifecycle::Stopped,
        expected_ms: 50,
        started_at: Some(1_100),
        finished_at: Some(1_900),
        error: None,
        output: Some("ok".into()),
    };
    let audit = AuditRecord {
        id: 0,
        at: 1_000,
        principal: "admin@default".into(),
        project_id: Some("p1".into()),
        action: "nova:server:start".into(),
        target: Some("r1".into()),
        request_id: "req-7".into(),
        source: None,
        outcome: "accepted".into(),
        detail: None,
    };
    let rule = StoredRule {
        rule: serde_json::from_value(serde_json::json!({"id": "slow", "family": "nova"})).unwrap(),
        matched: 2,
        fired: 1,
    };
    let transition = serde_json::from_value(
        serde_json::json!({"id": "t1", "family": "nova", "progression": "immediate"}),
    )
    .unwrap();
    let mut attrs = serde_json::Map::new();
    attrs.insert("flavor".into(), serde_json::json!("m1.small"));
    let writes = vec![
        Write::InsertTask {
            task,
            steps: vec![step],
        },
        Write::SetResource {
            id: "r1".into(),
            state: Lifecycle::Running,
            active_task: None,
            last_error: None,
            updated_at: 2_000,
        },
        // The sync stamped each resource with its own clock: both get one time.
        Write::SetResource {
            id: "r2".into(),
            state: Lifecycle::Stopped,
            active_task: None,
            last_error: None,
            updated_at: 2_000,
        },
        Write::Audit(audit),
        Write::EditResource {
            id: "r2".into(),
            name: Some("renamed".into()),
            attrs,
            at: 3_000,
        },
        Write::SetFaultRules(vec![rule]),
        Write::SetTransitions(vec![transition]),
    ];
    store.commit(writes, Priority::Answer).await.unwrap();
    let seed = [("k".to_string(), "v".to_string())].into_iter().collect();
    store
        .update_metadata("r2", &seed, Box::new(|_| true))
        .await
        .unwrap();
    store.upsert_policy("ops", "{}").await.unwrap();
    let user = UserRecord {
        id: "u1".into(),
        domain_id: "d1".into(),
        name: "zoe".into(),
        password_hash: "h".into(),
        created_at: 5,
    };
    let update = UserUpdate {
        user,
        create: true,
        set_password: false,
        roles: Some(vec![("p1".into(), "member".into())]),
        roles_within: None,
        policies: Some(vec!["ops".into()]),
        system_admin: Some(true),
        revoke_tokens: false,
    };
    assert!(store.save_user(&update).await.unwrap());
}

async fn restore(store: &dyn Store, tables: &Tables) {
    let replace = Write::ReplaceState(std::sync::Arc::new(tables.clone()));
    store.commit(vec![replace], Priority::Answer).await.unwrap();
}

#[tokio::test]
async fn a_dump_restores_into_any_backend_and_dumps_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(dir.path()).await;
    let mut dumps = Vec::new();
    for store in &stores {
        fill(&**store).await;
        let dump = store.dump(true).await.unwrap();
        assert_eq!(dump["tasks"].len(), 1);
        assert_eq!(dump["users"].len(), 1);
        // Restored whole over itself (rows deleted, then put back), it reads back the same.
        restore(&**store, &dump).await;
        assert_eq!(store.dump(true).await.unwrap(), dump);
        dumps.push(dump);
    }
    let Some(postgres) = stores.get(1) else {
        return;
    };
    let sqlite = &stores[0];
    assert_eq!(
        sqlite.snapshot_columns().await.unwrap(),
        postgres.snapshot_columns().await.unwrap(),
        "a snapshot's columns are the same on both backends"
    );
    // The same writes dump alike on both backends, table by table.
    for (table, rows) in &dumps[0] {
        assert_eq!(rows, &dumps[1][table], "{table}");
    }
    assert_eq!(dumps[0].len(), dumps[1].len());
    // Each restores the other's dump, after changes of its own that the restore undoes.
    for (store, other) in [(sqlite, &dumps[1]), (postgres, &dumps[0])] {
        store.delete_user("u1").await.unwrap();
        restore(&**store, other).await;
        assert_eq!(&store.dump(true).await.unwrap(), other);
        // Numbering goes on after the restored rows.
        let all = AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        };
        let audit = store.audit(&all).await.unwrap();
        let next = AuditRecord {
            id: 0,
            ..audit[0].clone()
        };
        store
            .commit(vec![Write::Audit(next)], Priority::Answer)
            .await
            .unwrap();
        let ids: Vec<i64> = store
            .audit(&all)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids.len(), 2);
        assert!(ids[0] > ids[1], "{ids:?}");
    }
}
