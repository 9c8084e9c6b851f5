//! What the store's tests share: a simulated server of project `p1`, and a store opened on a
//! directory with that project.

#![allow(dead_code)]

use sqlx::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};
use switchboard_core::{Lifecycle, ResourceKind, ResourceSpec};
use switchboard_store::{
    AuditStore, CommitStore, ControlStore, EventStore, InventoryStore, PgStore, SqliteStore,
    Synchronous, TaskStore,
};

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

/// A PostgreSQL store on a database of its own in the test cluster that
/// `SWITCHBOARD_TEST_POSTGRES_URL` names (`scripts/test-postgres.sh`, started by the README's
/// test command). `None` without that URL, unless `SWITCHBOARD_TEST_POSTGRES_REQUIRED` is set:
/// the test command sets it, so that its PostgreSQL half can never be skipped quietly.
pub async fn postgres() -> Option<PgStore> {
    Some(PgStore::open(&postgres_url().await?).await.unwrap())
}

/// The URL of a new, empty database in the test cluster (see [`postgres`]).
pub async fn postgres_url() -> Option<String> {
    static DATABASES: AtomicUsize = AtomicUsize::new(0);
    let Ok(admin_url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("SWITCHBOARD_TEST_POSTGRES_REQUIRED").is_none(),
            "SWITCHBOARD_TEST_POSTGRES_REQUIRED is set but SWITCHBOARD_TEST_POSTGRES_URL is not"
        );
        eprintln!("no SWITCHBOARD_TEST_POSTGRES_URL: the PostgreSQL store is not checked");
        return None;
    };
    let name = format!(
        "sb_{}_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (server, _) = admin_url
        .rsplit_once('/')
        .expect("a URL that names a database");
    Some(format!("{server}/{name}"))
}

/// What the commit contract tests ask of a store: every seam but identity and snapshots.
pub trait Backend:
    CommitStore + InventoryStore + TaskStore + AuditStore + EventStore + ControlStore
{
}

impl<T> Backend for T where
    T: CommitStore + InventoryStore + TaskStore + AuditStore + EventStore + ControlStore
{
}

/// Every backend under contract with project `p1` and `resources`: SQLite in `dir`, and
/// PostgreSQL on a database of its own when the test cluster is there.
pub async fn backends(dir: &std::path::Path, resources: &[ResourceSpec]) -> Vec<Box<dyn Backend>> {
    let mut stores: Vec<Box<dyn Backend>> = vec![Box::new(open(dir, resources).await)];
    if let Some(postgres) = postgres().await {
        let domains = DOMAINS.map(|(id, name)| (id.to_string(), name.to_string()));
        let projects = PROJECTS
            .map(|(id, name, domain)| (id.to_string(), name.to_string(), domain.to_string()));
        postgres
            .sync_inventory(&domains, &projects, resources)
            .await
            .unwrap();
        stores.push(Box::new(postgres));
    }
    stores
}

/// The accept of task `id`: one step, a start of `resource`, run by no writer in particular.
pub fn accept(id: i64, resource: &str) -> switchboard_store::Write {
    switchboard_store::Write::InsertTask {
        task: switchboard_store::TaskRecord {
            id,
            project_id: "p1".into(),
            kind: "nova.server".into(),
            action: switchboard_core::Action::Start,
            target_id: Some(resource.into()),
            targets: vec![resource.into()],
            only_self: true,
            principal: "admin".into(),
            request_id: format!("req-{id}"),
            state: switchboard_core::TaskState::InProgress,
            progress: 0.0,
            error: None,
            created_at: 1,
            updated_at: 1,
            finished_at: None,
            cancel_requested: false,
            executor: None,
        },
        steps: vec![switchboard_store::StepRecord {
            task_id: id,
            idx: 0,
            resource_id: resource.into(),
            action: switchboard_core::Action::Start,
            follow_task: None,
            after: vec![],
            state: switchboard_core::StepState::Pending,
            attempts: 0,
            prior_state: Lifecycle::Stopped,
            expected_ms: 50,
            started_at: None,
            finished_at: None,
            error: None,
            output: None,
        }],
    }
}

/// Waits (up to 5 s) until writer `token`'s row is gone.
pub async fn writer_gone(pool: &sqlx::PgPool, token: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM writers WHERE token = $1")
            .bind(token)
            .fetch_one(pool)
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "writer {token} is still there"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The leader of the database at `url` (default options).
pub async fn leader(url: &str) -> PgStore {
    let options = switchboard_store::StoreOptions::default();
    PgStore::open_replica(url, &options, &switchboard_store::Replica::default())
        .await
        .unwrap()
}

/// A writer named `name` beside the leader of the database at `url`, with a lease of a minute.
pub async fn member(url: &str, name: &str) -> PgStore {
    let replica = switchboard_store::Replica {
        name: name.into(),
        lease: std::time::Duration::from_secs(60),
        ..switchboard_store::Replica::default()
    };
    let options = switchboard_store::StoreOptions::default();
    PgStore::open_member(url, &options, &replica).await.unwrap()
}
