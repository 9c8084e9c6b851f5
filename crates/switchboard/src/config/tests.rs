use super::*;

#[test]
fn the_example_config_is_the_demo_and_parses() {
    let c = Config::parse(DEMO, "example").unwrap();
    c.validate().unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.data_dir, PathBuf::from("./switchboard-data"));
    assert_eq!(c.projects[0].id, "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b");
    let resources = c.inventory().resources().unwrap();
    let services: Vec<_> = resources.iter().filter(|r| r.cluster == Some(1)).collect();
    assert_eq!(services.len(), 14);
    let spark = services.iter().find(|r| r.name == "Spark").unwrap();
    assert_eq!(spark.depends_on.len(), 5);
    assert!(services
        .iter()
        .all(|r| r.initial_state == switchboard_core::Lifecycle::Stopped));
    use switchboard_core::Lifecycle::{Running, Stopped};
    for (id, name, state) in [
        ("a1b2c3d4e5f60718293a4b5c6d7e8f90", "dbom-prod", Stopped),
        ("0f9e8d7c6b5a49382716059483726150", "dbom-test", Running),
        ("ec897482-d24b-4d64-aa39-407980902b1d", "flow-news", Stopped),
        (
            "3c1f5e2a-8b7d-4c6e-9f0a-1b2c3d4e5f60",
            "flow-sports",
            Running,
        ),
        ("95bf2490-5428-432c-ad9b-5e3406f869dd", "bms-db-01", Running),
        (
            "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f",
            "bms-web-01",
            Stopped,
        ),
    ] {
        let r = resources.iter().find(|r| r.id == id).unwrap();
        assert_eq!((r.name.as_str(), r.initial_state), (name, state));
    }
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
fn the_database_url_comes_from_the_file_the_environment_or_the_flag_and_must_be_postgres() {
    let mut c = Config::parse("[store]\ndatabase_url = \"postgres://a/f\"\n", "file").unwrap();
    assert_eq!(c.store.database_url.as_deref(), Some("postgres://a/f"));
    c.apply_env(|k| (k == "SWITCHBOARD_DATABASE_URL").then(|| "postgresql://b/e".into()))
        .unwrap();
    assert_eq!(c.store.database_url.as_deref(), Some("postgresql://b/e"));
    c.apply_flags(&Overrides {
        database_url: Some("postgres://c/flag".into()),
        ..Overrides::default()
    });
    assert_eq!(c.store.database_url.as_deref(), Some("postgres://c/flag"));
    let mut c = Config::parse(super::DEMO, "the demo").unwrap();
    c.store.database_url = Some("postgres://c/flag".into());
    c.validate().unwrap();
    c.store.database_url = Some("mysql://user:secret@host/db".into());
    let err = format!("{:#}", c.validate().unwrap_err());
    assert!(err.contains("postgres://"), "{err}");
    assert!(
        !err.contains("secret"),
        "the URL's password was repeated: {err}"
    );
}

#[test]
fn a_replica_names_itself_and_its_lease_from_the_file_or_the_environment() {
    let mut c = Config::parse("[store]\nlease = \"3s\"\nreplica = \"a\"\n", "file").unwrap();
    assert_eq!(c.store.lease, Duration::from_secs(3));
    assert_eq!(c.store.replica.as_deref(), Some("a"));
    c.apply_env(|k| match k {
        "SWITCHBOARD_LEASE" => Some("1500ms".into()),
        "SWITCHBOARD_REPLICA" => Some("b".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(c.store.lease, Duration::from_millis(1500));
    assert_eq!(c.store.replica.as_deref(), Some("b"));
    assert!(c
        .apply_env(|k| (k == "SWITCHBOARD_LEASE").then(|| "soon".into()))
        .is_err());
    assert!(!c.store.poll_only);
    c.apply_env(|k| (k == "SWITCHBOARD_POLL_ONLY").then(|| "true".into()))
        .unwrap();
    assert!(c.store.poll_only);
    assert!(c
        .apply_env(|k| (k == "SWITCHBOARD_POLL_ONLY").then(|| "sometimes".into()))
        .is_err());
    let file = Config::parse("[store]\npoll_only = true\n", "file").unwrap();
    assert!(file.store.poll_only);
    use crate::config::Standbys;
    assert_eq!(c.store.standbys, Standbys::PassOn);
    c.apply_env(|k| (k == "SWITCHBOARD_STANDBYS").then(|| "serve".into()))
        .unwrap();
    assert_eq!(c.store.standbys, Standbys::Serve);
    assert!(c
        .apply_env(|k| (k == "SWITCHBOARD_STANDBYS").then(|| "proxy".into()))
        .is_err());
    let file = Config::parse("[store]\nstandbys = \"serve\"\n", "file").unwrap();
    assert_eq!(file.store.standbys, Standbys::Serve);
    assert!(Config::parse("[store]\nstandbys = \"both\"\n", "file").is_err());
    let mut c = Config::parse(super::DEMO, "the demo").unwrap();
    assert_eq!(c.store.lease, Duration::from_secs(10));
    c.store.lease = Duration::from_millis(100);
    let err = format!("{:#}", c.validate().unwrap_err());
    assert!(err.contains("lease"), "{err}");
    c.store.lease = Duration::from_secs(5);
    for wrong in [
        "10.0.0.5:8080",
        "https://10.0.0.5:8443",
        "http://lb.example/switchboard-a",
        "http://user:pw@10.0.0.5:8080",
    ] {
        c.store.advertise_url = Some(wrong.into());
        let err = format!("{:#}", c.validate().unwrap_err());
        assert!(err.contains("advertise_url"), "{wrong}: {err}");
    }
    c.store.advertise_url = Some("http://[fd00::5]:8080/".into());
    c.validate().unwrap();
    c.apply_env(|k| (k == "SWITCHBOARD_ADVERTISE_URL").then(|| "http://10.0.0.5:8080".into()))
        .unwrap();
    c.validate().unwrap();
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

#[test]
fn the_example_configurations_are_valid() {
    for (name, text) in [
        (
            "local-stack",
            include_str!("../../../../examples/local-stack/switchboard.toml"),
        ),
        (
            "redfish",
            include_str!("../../../../examples/redfish/switchboard.toml"),
        ),
    ] {
        let c = Config::parse(text, name).unwrap();
        c.validate().unwrap_or_else(|e| panic!("{name}: {e:#}"));
        assert!(!c.inventory().resources().unwrap().is_empty(), "{name}");
    }
}

#[test]
fn login_limits_default_to_letting_fifty_parallel_clients_in_and_refuse_nonsense() {
    let c = Config::parse(DEMO, "example").unwrap();
    assert!(c.auth.token_burst >= 50 && c.auth.account_burst >= 50);
    assert!(c.auth.hash_workers >= 1 && c.auth.hash_queue >= 50);
    type Spoil = fn(&mut AuthConfig);
    let cases: [(&str, Spoil); 6] = [
        ("token_burst", |a| a.token_burst = 0),
        ("account_burst", |a| a.account_burst = 0),
        ("account_per_second", |a| a.account_per_second = 0.0),
        ("token_per_second", |a| a.token_per_second = f64::NAN),
        ("hash_workers", |a| a.hash_workers = 0),
        ("hash_queue", |a| a.hash_queue = 0),
    ];
    for (key, spoil) in cases {
        let mut bad = c.clone();
        spoil(&mut bad.auth);
        let err = bad.validate().expect_err(key).to_string();
        assert!(err.contains(&format!("auth.{key}")), "{key}: {err}");
    }
}

#[test]
fn the_connection_cap_follows_the_fd_limit_and_server_keys_parse() {
    assert_eq!(derived_cap(256), 128);
    assert_eq!(derived_cap(1024), 896);
    assert_eq!(derived_cap(100), 50);
    assert_eq!(derived_cap(u64::MAX), 65_536);
    let text = format!(
        "{DEMO}\n[server]\nmax_connections = 10\nheader_read_timeout = \"2s\"\n\
         idle_timeout = \"5s\"\nbody_read_timeout = \"3s\"\n"
    );
    let c = Config::parse(&text, "test").unwrap();
    c.validate().unwrap();
    assert_eq!(c.server.connection_cap(), 10);
    assert_eq!(c.server.idle_timeout, Duration::from_secs(5));
    let zero = Config::parse(&format!("{DEMO}\n[server]\nmax_connections = 0\n"), "t").unwrap();
    assert!(zero.validate().is_err());
}
