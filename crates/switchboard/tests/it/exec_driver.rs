//! The `exec` driver behind the MRS API: real shell commands started in dependency order.

use crate::common;

use common::{step_names, TestServer};
use serde_json::json;
use switchboard_core::inventory::ServiceSpec;
use switchboard_core::Lifecycle;

/// Services whose commands keep a marker file per service and append to a shared journal.
fn exec_service(
    dir: &std::path::Path,
    name: &str,
    deps: &[&str],
    start_extra: &str,
) -> ServiceSpec {
    let d = dir.display();
    ServiceSpec {
        name: name.into(),
        depends_on: deps.iter().map(|s| s.to_string()).collect(),
        state: Lifecycle::Stopped,
        driver: "exec".into(),
        config: json!({
            "start": format!("{start_extra}touch {d}/{name}.up; echo start {name} >> {d}/journal; echo {name} is up"),
            "stop": format!("rm -f {d}/{name}.up; echo stop {name} >> {d}/journal"),
            "status": format!("test -f {d}/{name}.up && exit 0 || exit 3"),
            "timeout": "1s",
        }),
    }
}

fn journal(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("journal"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_chain_of_commands_starts_in_order_and_stops_in_reverse() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path().to_path_buf();
    let s = TestServer::start(move |c| {
        c.clusters[0].services = vec![
            exec_service(&w, "db", &[], ""),
            exec_service(&w, "cache", &[], ""),
            exec_service(&w, "app", &["db", "cache"], ""),
            exec_service(&w, "slow", &[], "sleep 5; "),
        ];
    })
    .await;
    let id = s.operate("app", "start", false).await;
    let done = s.wait_command(id).await;
    assert_eq!(done["state"], "COMPLETE", "{done}");
    assert_eq!(step_names(&done).last().unwrap(), "Start app");
    let j = journal(work.path());
    assert_eq!(j.len(), 3, "{j:?}");
    assert_eq!(
        j[2], "start app",
        "app starts only after both of its dependencies: {j:?}"
    );
    assert_eq!(s.status_of("app").await, "Normal");
    let task = s.get(&format!("/switchboard/v1/tasks/{id}")).await;
    let app_step = task.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["resource_name"] == "app")
        .unwrap()
        .clone();
    assert_eq!(
        app_step["output"], "app is up",
        "the command's output is kept in the step's record"
    );

    let id = s.operate("db", "stop", false).await;
    assert_eq!(s.wait_command(id).await["state"], "COMPLETE");
    let j = journal(work.path());
    assert_eq!(&j[3..], ["stop app", "stop db"], "dependents stop first");
    assert_eq!(
        s.status_of("cache").await,
        "Normal",
        "not a dependent of db"
    );

    // A command past its timeout fails the step (after the engine's retries) and names why.
    let id = s.operate("slow", "start", true).await;
    let failed = s.wait_command(id).await;
    assert_eq!(failed["state"], "FAILED");
    assert!(
        failed["error_description"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{failed}"
    );
    assert_eq!(
        failed["res_obj"]["fail_entity_list"][0]["fail_entity"],
        "slow"
    );
}
