//! The `process` driver behind the MRS API: a chain of real daemons started in dependency order,
//! each only once the one before answers.

use crate::common;

use common::processes::{count_processes, free_port, http_service, KillOnDrop};
use common::{step_names, TestServer};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_chain_of_real_processes_starts_gated_on_readiness_and_stops_in_reverse() {
    let marker = format!("sbtest-{}", std::process::id());
    let (db, cache, app) = (free_port(), free_port(), free_port());
    let m = marker.clone();
    let s = TestServer::start(move |c| {
        c.engine.monitor_interval = Duration::from_millis(200);
        c.clusters[0].services = vec![
            http_service("db", db, &[], &m),
            http_service("cache", cache, &[("db", db)], &m),
            http_service("app", app, &[("db", db), ("cache", cache)], &m),
        ];
    })
    .await;
    let _cleanup = KillOnDrop(s.dir.path().to_path_buf());

    let id = s.operate("app", "start", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(
        done["state"], "COMPLETE",
        "each process started only once the one before answered: {done}"
    );
    assert_eq!(
        step_names(&done),
        vec!["Start db", "Start cache", "Start app"]
    );
    assert_eq!(count_processes(&marker), 3);
    for port in [db, cache, app] {
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    }

    let id = s.operate("db", "stop", false).await;
    let stopped = s.wait_command(id).await;
    assert_eq!(
        step_names(&stopped),
        vec!["Stop app", "Stop cache", "Stop db"]
    );
    assert_eq!(count_processes(&marker), 0, "nothing left behind");
    assert_eq!(s.status_of("app").await, "Stopped");
}

#[tokio::test]
async fn a_process_that_dies_on_its_own_shows_failed_with_its_exit_status() {
    let s = TestServer::start(|c| {
        c.engine.monitor_interval = Duration::from_millis(100);
        c.clusters[0].services[0] = switchboard_core::inventory::ServiceSpec {
            name: "LdapServer".into(),
            depends_on: vec![],
            state: switchboard_core::Lifecycle::Stopped,
            driver: "process".into(),
            config: json!({"command": "sh", "args": ["-c", "sleep 0.5; echo 'lost quorum' >&2; exit 4"]}),
        };
    })
    .await;
    let _cleanup = KillOnDrop(s.dir.path().to_path_buf());
    let id = s.operate("LdapServer", "start", true).await;
    assert_eq!(s.wait_command(id).await["state"], "COMPLETE");
    let mut status = String::new();
    for _ in 0..100 {
        status = s.status_of("LdapServer").await;
        if status != "Normal" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "Failed to Start");
    let r = s.get("/switchboard/v1/resources").await;
    let ldap = r.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "LdapServer")
        .unwrap()
        .clone();
    let error = ldap["last_error"].as_str().unwrap();
    assert!(
        error.contains("exited with code 4") && error.contains("lost quorum"),
        "{error}"
    );
}

#[derive(serde::Serialize)]
struct ExtraClusters {
    clusters: Vec<switchboard_core::inventory::ClusterSpec>,
}

#[tokio::test]
async fn a_chain_of_processes_survives_kill_9_and_no_service_runs_twice() {
    use common::binary::{free_port as port_for_server, get, post, token, Server};
    let marker = format!("sbcrash-{}", std::process::id());
    let (db, cache, app) = (free_port(), free_port(), free_port());
    let mut services = vec![
        http_service("db", db, &[], &marker),
        http_service("cache", cache, &[("db", db)], &marker),
        http_service("app", app, &[("db", db), ("cache", cache)], &marker),
    ];
    // Each takes a second to come up, so that the server can be killed mid-chain.
    for s in &mut services {
        let script = s.config["args"][1].as_str().unwrap().to_string();
        s.config["args"][1] = json!(format!("sleep 1; {script}"));
    }
    let extra = ExtraClusters {
        clusters: vec![switchboard_core::inventory::ClusterSpec {
            id: 2,
            project: "local-1".into(),
            name: "local-stack".into(),
            version: "1.0".into(),
            services,
        }],
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = format!(
        "{}\n{}",
        switchboard::config::DEMO,
        toml::to_string(&extra).unwrap()
    );
    std::fs::write(&config, text).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The managed processes outlive the server by design: whatever this test started goes.
    let _cleanup = KillOnDrop(data.clone());
    let args = ["--config", config.to_str().unwrap()];
    let port = port_for_server();
    let server = Server::start_with(&data, port, &args).await;
    let tok = token(&server.base).await;
    let r = post(
        &server.base,
        &tok,
        "/web/v1/maintain/cluster/2/service/app/start",
        json!({"only_self": false}),
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    let progress = format!("/web/v1/common/command/{id}/progress");
    loop {
        let p = get(&server.base, &tok, &progress).await;
        let steps = p["res_obj"]["step_list"].as_array().unwrap().clone();
        if steps.iter().any(|s| s["state"] == "DONE")
            && steps.iter().any(|s| s["state"] == "RUNNING")
        {
            break;
        }
        assert_ne!(
            p["state"], "COMPLETE",
            "finished before the crash could happen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    assert!(
        count_processes(&format!("{marker}-db")) == 1,
        "the managed process outlives the server"
    );

    let server = Server::start_with(&data, port, &args).await;
    let tok = token(&server.base).await;
    let done = loop {
        let p = get(&server.base, &tok, &progress).await;
        if p["state"] != "IN_PROGRESS" {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["state"], "COMPLETE", "{done}");
    for name in ["db", "cache", "app"] {
        assert_eq!(
            count_processes(&format!("{marker}-{name}")),
            1,
            "{name} runs exactly once"
        );
    }
    let log = std::fs::read_to_string(data.join("server.log")).unwrap();
    assert!(log.contains("re-adopted a running process"), "{log}");
}
