//! The CLI's login, logout, credentials from the environment, completions, and the exit codes
//! of a wrong password, a stopped server and a bad command line — through the real binary.

use crate::common;

use common::binary::{self, Server};
use common::cli::{setup, Cli};
use std::os::unix::fs::PermissionsExt;

#[tokio::test]
async fn login_keeps_a_private_token_per_profile_and_logout_revokes_it() {
    let (_dir, server, cli) = setup("").await;
    let file = cli.config_home().join("switchboard/default.json");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "profile file mode {mode:o}");
    let kept: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let token = kept["token"].as_str().unwrap().to_string();
    assert_eq!(kept["project_id"], binary::PROJECT);

    // The kept token works; -o json is the API's object.
    let tasks = cli.ok(&["task", "list", "-o", "json"]).json();
    assert!(tasks["tasks"].is_array(), "{tasks}");
    // So does the token from the environment, with no profile at all.
    let other = Cli::new(&server.base);
    let r = other
        .command(&["resource", "list", "-o", "json"])
        .env("SWITCHBOARD_TOKEN", &token)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));

    // A second profile is a second file.
    let r = cli
        .command(&["login", "--profile", "ops", "--project", "local-1"])
        .env("SWITCHBOARD_PASSWORD", binary::PASSWORD)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(cli.config_home().join("switchboard/ops.json").exists());

    cli.ok(&["logout"]);
    assert!(!file.exists(), "logout leaves the profile");
    let r = cli.run(&["task", "list"]);
    assert_eq!(r.code, 1, "not logged in: {}", r.stderr);
    assert!(r.stderr.contains("switchboard login"), "{}", r.stderr);
    // The token was revoked at the server: using it now is refused.
    let r = other
        .command(&["task", "list"])
        .env("SWITCHBOARD_TOKEN", &token)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    // The other profile still works.
    cli.ok(&["task", "list", "--profile", "ops"]);
}

#[tokio::test]
async fn a_wrong_password_exits_6_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), binary::free_port()).await;
    let cli = Cli::new(&server.base);
    let r: common::cli::Run = cli
        .command(&["login", "--user", "admin"])
        .env("SWITCHBOARD_PASSWORD", "not-the-password")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.stderr.contains("refused (401)"), "{}", r.stderr);
    assert!(!cli.config_home().join("switchboard/default.json").exists());
}

#[tokio::test]
async fn a_stopped_server_exits_7() {
    let (_dir, server, cli) = setup("").await;
    cli.ok(&["task", "list"]);
    server.kill9();
    let r = cli.run(&["service", "start", "HDFS", "--wait"]);
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert!(r.stderr.contains("cannot reach"), "{}", r.stderr);
    // Nothing listens at all: the same.
    let nobody = Cli::new("http://127.0.0.1:9");
    let r: common::cli::Run = nobody
        .command(&["login"])
        .env("SWITCHBOARD_PASSWORD", "x")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 7, "{}", r.stderr);
}

#[test]
fn completions_man_page_and_usage_errors() {
    let cli = Cli::new("http://127.0.0.1:9");
    for shell in ["bash", "zsh", "fish"] {
        let r = cli.ok(&["completions", shell]);
        assert!(r.stdout.contains("switchboard"), "{shell}");
        assert!(r.stdout.contains("watch"), "{shell}: subcommands completed");
    }
    let man = cli.ok(&["man"]);
    assert!(man.stdout.contains(".TH"), "roff");
    let help = cli.ok(&["--help"]);
    assert!(help.stdout.contains("Exit codes"), "{}", help.stdout);
    let r = cli.run(&["service", "launch", "HDFS"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = cli.run(&["task", "watch", "not-a-number"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[tokio::test]
async fn access_keys_from_the_environment_and_key_commands() {
    let (_dir, server, cli) = setup("").await;
    let key = cli
        .ok(&["key", "create", "--description", "ci", "-o", "json"])
        .json();
    let access = key["credential"]["access"].as_str().unwrap().to_string();
    let secret = key["credential"]["secret"].as_str().unwrap().to_string();
    let listed = cli.ok(&["key", "list", "-o", "json"]).json();
    assert!(listed["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["access"] == access.as_str()));

    // No profile: the key pair signs every request, the project comes from the environment.
    let ci = Cli::new(&server.base);
    let signed = |args: &[&str]| -> common::cli::Run {
        ci.command(args)
            .env("SWITCHBOARD_ACCESS_KEY", &access)
            .env("SWITCHBOARD_SECRET_KEY", &secret)
            .env("SWITCHBOARD_PROJECT_ID", binary::PROJECT)
            .output()
            .unwrap()
            .into()
    };
    let r = signed(&["service", "start", "ZooKeeper", "--wait", "-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["state"], "COMPLETE");

    cli.ok(&["key", "delete", &access]);
    let r = signed(&["task", "list"]);
    assert_eq!(r.code, 6, "a deleted key is refused: {}", r.stderr);
}
