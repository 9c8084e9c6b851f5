//! The data dir through the real binary: private files, one server per data dir, nothing
//! touched by a start that cannot serve, and a generated admin password that a failed start
//! does not lose.

use crate::common;

use common::binary::{self, free_port, PASSWORD};
use common::launch::{output, run_to_exit, serve, Running};
use serde_json::json;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Starts `service` (with its dependencies unless `only_self`); the command id.
async fn operate(base: &str, token: &str, service: &str, only_self: bool) -> i64 {
    let path = format!("/web/v1/maintain/cluster/1/service/{service}/start");
    let r = binary::post(base, token, &path, json!({"only_self": only_self})).await;
    r["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no command id: {r}"))
}

async fn wait_complete(base: &str, token: &str, id: i64) {
    for _ in 0..600 {
        let r = binary::get(
            base,
            token,
            &format!("/web/v1/common/command/{id}/progress"),
        )
        .await;
        if r["state"] != "IN_PROGRESS" {
            assert_eq!(r["state"], "COMPLETE", "{r}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("command {id} did not finish");
}

#[tokio::test]
async fn the_data_dir_and_its_files_are_private_and_a_wide_one_is_tightened() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("switchboard.db"), b"").unwrap();
    std::fs::set_permissions(
        data.join("switchboard.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let s = Running::start(serve(&data, port, out.path(), Some(PASSWORD)), port).await;
    let token = binary::token(&s.base).await;
    let id = operate(&s.base, &token, "ZooKeeper", true).await;
    wait_complete(&s.base, &token, id).await;
    for (name, expected) in [
        ("", 0o700),
        ("switchboard.db", 0o600),
        ("switchboard.db-wal", 0o600),
        ("switchboard.db-shm", 0o600),
        ("master.key", 0o600),
        ("switchboard.lock", 0o600),
        ("sim", 0o700),
        ("sim/actions.jsonl", 0o600),
        ("process", 0o700),
        ("process/logs", 0o700),
    ] {
        let path = data.join(name);
        assert_eq!(
            mode(&path),
            expected,
            "{} is {:o}",
            path.display(),
            mode(&path)
        );
    }
    let (_, stderr) = output(out.path());
    assert!(stderr.contains("restricted the permissions"), "{stderr}");
}

#[tokio::test]
async fn a_second_server_on_the_same_data_dir_refuses_naming_the_holder() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = Running::start(serve(data.path(), port, out.path(), Some(PASSWORD)), port).await;
    let holder = first.child.id();
    let token = binary::token(&first.base).await;
    let before = operate(&first.base, &token, "ZooKeeper", true).await;
    for second_port in [port, free_port()] {
        let second_out = tempfile::tempdir().unwrap();
        let cmd = serve(data.path(), second_port, second_out.path(), Some(PASSWORD));
        let (status, took) = run_to_exit(cmd, Duration::from_secs(20)).await;
        let (_, stderr) = output(second_out.path());
        assert!(!status.success(), "{stderr}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert!(stderr.contains(&format!("pid {holder}")), "{stderr}");
        assert!(stderr.contains("in use"), "{stderr}");
    }
    // The first server still serves, and its task ids stay its own.
    wait_complete(&first.base, &token, before).await;
    let after = operate(&first.base, &token, "HDFS", true).await;
    wait_complete(&first.base, &token, after).await;
    let tasks = binary::get(&first.base, &token, "/switchboard/v1/tasks").await;
    let mut ids: Vec<i64> = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "{tasks}");
    assert_ne!(before, after);
}

/// Every file under `dir` but the lock file (which names its last holder), with its contents.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.ends_with("switchboard.lock") {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[tokio::test]
async fn a_serve_whose_port_is_taken_fails_before_resuming_anything() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = Running::start(serve(data.path(), port, out.path(), Some(PASSWORD)), port).await;
    let token = binary::token(&first.base).await;
    let id = operate(&first.base, &token, "Spark", false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(first); // SIGKILL with the command in flight
    let before = snapshot(data.path());

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let second_out = tempfile::tempdir().unwrap();
    let cmd = serve(data.path(), taken_port, second_out.path(), Some(PASSWORD));
    let (status, _) = run_to_exit(cmd, Duration::from_secs(20)).await;
    let (_, stderr) = output(second_out.path());
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert!(
        snapshot(data.path()) == before,
        "a start that could not listen changed the data dir"
    );

    // A start that can listen resumes the command.
    drop(taken);
    let port = free_port();
    let third = Running::start(serve(data.path(), port, out.path(), Some(PASSWORD)), port).await;
    let token = binary::token(&third.base).await;
    wait_complete(&third.base, &token, id).await;
}

/// The generated password line of `stdout`, if any.
fn generated_password(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Generated password for admin@switchboard: "))
        .map(str::to_string)
}

#[tokio::test]
async fn a_generated_password_survives_a_start_that_failed_after_generating_it() {
    let data = tempfile::tempdir().unwrap();
    // An unreadable master key fails the start after the admin account was created.
    std::fs::write(data.path().join("master.key"), "not a key").unwrap();
    let out = tempfile::tempdir().unwrap();
    let (status, _) = run_to_exit(
        serve(data.path(), free_port(), out.path(), None),
        Duration::from_secs(30),
    )
    .await;
    let (stdout, stderr) = output(out.path());
    assert!(!status.success(), "{stderr}");
    assert_eq!(
        generated_password(&stdout),
        None,
        "printed by a failed start"
    );
    let kept_path = data.path().join("initial-admin-password");
    assert_eq!(mode(&kept_path), 0o600);
    let kept = std::fs::read_to_string(&kept_path).unwrap();

    std::fs::remove_file(data.path().join("master.key")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Running::start(serve(data.path(), port, out.path(), None), port).await;
    let (stdout, _) = output(out.path());
    let printed = generated_password(&stdout).unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(printed, kept.trim());
    assert!(
        !kept_path.exists(),
        "the password stays on disk after it was shown"
    );
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
        {"name": "admin", "password": printed, "domain": {"name": "switchboard"}}}},
        "scope": {"project": {"id": binary::PROJECT}}}});
    let r = reqwest::Client::new()
        .post(format!("{}/v3/auth/tokens", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    drop(server);

    // Shown once: the next start prints nothing.
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = Running::start(serve(data.path(), port, out.path(), None), port).await;
    let (stdout, _) = output(out.path());
    assert_eq!(generated_password(&stdout), None, "{stdout}");
}
