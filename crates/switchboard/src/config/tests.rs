use super::*;

#[test]
fn the_example_config_is_the_demo_and_parses() {
    let c = Config::parse(DEMO, "example").unwrap();
    c.validate().unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.data_dir, PathBuf::from("./switchboard-data"));
    assert_eq!(c.projects[0].id, "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b");
    let resources = c.inventory().resources().unwrap();
    assert_eq!(resources.len(), 14);
    let spark = resources.iter().find(|r| r.name == "Spark").unwrap();
    assert_eq!(spark.depends_on.len(), 5);
    assert!(resources
        .iter()
        .all(|r| r.initial_state == switchboard_core::Lifecycle::Stopped));
}

#[test]
fn layers_apply_in_order() {
    let mut c = Config::parse("listen = \"127.0.0.1:9000\"\n[sim]\nspeed = 2.0\n", "file").unwrap();
    assert_eq!(c.listen.port(), 9000);
    c.apply_env(|k| match k {
        "SWITCHBOARD_LISTEN" => Some("127.0.0.1:9100".into()),
        "SWITCHBOARD_SIM_SPEED" => Some("5".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!((c.listen.port(), c.sim.speed), (9100, 5.0));
    c.apply_flags(&Overrides {
        listen: Some("127.0.0.1:9200".parse().unwrap()),
        ..Overrides::default()
    });
    assert_eq!((c.listen.port(), c.sim.speed), (9200, 5.0));
    assert!(c
        .apply_env(|k| (k == "SWITCHBOARD_SIM_SPEED").then(|| "fast".into()))
        .is_err());
}

#[test]
fn unknown_keys_are_refused() {
    let err = Config::parse("listn = \"x\"", "file").unwrap_err();
    assert!(format!("{err:#}").contains("listn"), "{err:#}");
}

fn with_services(services: &str) -> String {
    format!(
        "[[domains]]\nid = \"d\"\nname = \"switchboard\"\n[[projects]]\nid = \"p\"\nname = \"local-1\"\ndomain = \"switchboard\"\n\
         [[clusters]]\nid = 1\nproject = \"local-1\"\nname = \"c\"\nservices = [{services}]\n"
    )
}

#[test]
fn a_dependency_cycle_is_refused_naming_it() {
    let text = with_services(
        "{ name = \"A\", depends_on = [\"B\"] }, { name = \"B\", depends_on = [\"C\"] }, { name = \"C\", depends_on = [\"A\"] }",
    );
    let err = Config::parse(&text, "f").unwrap().validate().unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("dependency cycle") && msg.contains("A") && msg.contains("B -> C"),
        "{msg}"
    );
}

#[test]
fn an_unknown_dependency_is_refused_naming_it() {
    let text = with_services("{ name = \"HDFS\", depends_on = [\"ZooKeeper\"] }");
    let err = Config::parse(&text, "f").unwrap().validate().unwrap_err();
    assert!(
        format!("{err:#}").contains("HDFS depends on unknown ZooKeeper"),
        "{err:#}"
    );
}
