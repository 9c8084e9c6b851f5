//! A database of its own in the test PostgreSQL that `SWITCHBOARD_TEST_POSTGRES_URL` names
//! (`scripts/test-postgres.sh`, started by the README's test command).

use sqlx::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The URL of a new, empty database; `None` without the test cluster's URL, unless
/// `SWITCHBOARD_TEST_POSTGRES_REQUIRED` is set (the test command sets it, so that the
/// PostgreSQL tests can never be skipped quietly there).
pub async fn database() -> Option<String> {
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
        "sb_serve_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (server, _) = admin_url
        .rsplit_once('/')
        .expect("a URL that names a database");
    Some(format!("{server}/{name}"))
}

/// The simulated world's actions in the database, oldest first, each with the fencing token of
/// the replica that performed it.
pub async fn sim_log(
    conn: &mut sqlx::PgConnection,
) -> Vec<(switchboard_drivers::sim::LogEntry, i64)> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT entry, token FROM sim_journal ORDER BY seq")
            .fetch_all(conn)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(entry, token)| (serde_json::from_str(&entry).unwrap(), token))
        .filter(|(e, _): &(switchboard_drivers::sim::LogEntry, i64)| {
            !e.release && e.reset.is_none()
        })
        .collect()
}

/// A PostgreSQL cluster of the test's own (`scripts/test-postgres.sh` on a private data dir and
/// port), for what the shared one must not suffer: a restart. Stopped when dropped.
pub struct Private {
    data: tempfile::TempDir,
    port: u16,
    pub url: String,
}

impl Private {
    /// `None` where the shared test cluster is not configured either (see [`database`]).
    pub async fn start() -> Option<Private> {
        database().await?;
        let data = tempfile::tempdir().unwrap();
        let port = super::binary::free_port();
        let out = Private::script(data.path(), port, "start");
        let url = String::from_utf8(out).unwrap().trim().to_string();
        Some(Private { data, port, url })
    }

    /// Stops it for `outage`, then starts it again: every session ends; back when this returns.
    pub async fn restart(&self, outage: Duration) {
        Private::script(self.data.path(), self.port, "stop");
        tokio::time::sleep(outage).await;
        Private::script(self.data.path(), self.port, "start");
    }

    fn script(data: &std::path::Path, port: u16, command: &str) -> Vec<u8> {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/test-postgres.sh"
        );
        let out = std::process::Command::new("sh")
            .arg(script)
            .arg(command)
            .env("SWITCHBOARD_TEST_PGDATA", data)
            .env("SWITCHBOARD_TEST_PGPORT", port.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {out:?}");
        out.stdout
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| Private::script(self.data.path(), self.port, "stop"));
    }
}

/// Where a server under a crash test keeps its state: its data dir's SQLite file, or a
/// PostgreSQL database of its own.
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// A new database, or `None` as [`database`] says.
    pub async fn postgres() -> Option<Backend> {
        database().await.map(Backend::Postgres)
    }

    /// The server's arguments that choose it.
    pub fn args(&self) -> Vec<&str> {
        match self {
            Backend::Sqlite => Vec::new(),
            Backend::Postgres(url) => vec!["--database-url", url],
        }
    }

    /// The actions the simulated world of the server on `data_dir` performed, oldest first.
    pub async fn sim_log(
        &self,
        data_dir: &std::path::Path,
    ) -> Vec<switchboard_drivers::sim::LogEntry> {
        match self {
            Backend::Sqlite => switchboard_drivers::sim::read_log(&data_dir.join("sim")).unwrap(),
            Backend::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sim_log(&mut conn)
                    .await
                    .into_iter()
                    .map(|(e, _)| e)
                    .collect()
            }
        }
    }
}

/// One `#[tokio::test]` per store for `$check(backend)`.
macro_rules! on_both_stores {
    ($check:ident, $sqlite:ident, $postgresql:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $check($crate::common::postgres::Backend::Sqlite).await;
        }

        #[tokio::test]
        async fn $postgresql() {
            if let Some(backend) = $crate::common::postgres::Backend::postgres().await {
                $check(backend).await;
            }
        }
    };
}
pub(crate) use on_both_stores;
