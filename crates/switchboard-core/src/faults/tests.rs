use super::*;
use crate::{Action, ResourceKind};

fn glob(p: &str, a: &str) -> bool {
    p == a || p.strip_suffix('*').is_some_and(|pre| a.starts_with(pre))
}

fn rule(json: &str) -> FaultRule {
    serde_json::from_str(json).unwrap()
}

fn facts(action: &str) -> RequestFacts {
    RequestFacts {
        family: "dbss".into(),
        action: Some(action.into()),
        projects: vec!["p1".into()],
        resources: vec!["db-1".into(), "dbss-one".into()],
    }
}

#[test]
fn first_match_wins_and_times_retires() {
    let book = FaultBook::new(glob);
    let a =
        rule(r#"{"id":"a","action":"dbss:instance:start","times":1,"error":{"statusCode":500}}"#);
    let b = rule(r#"{"id":"b","action":"dbss:*","error":{"statusCode":503}}"#);
    book.replace(vec![a, b]).unwrap();
    let (hit, used) = book.check_request(&facts("dbss:instance:start"), FaultFiring::default());
    assert_eq!(hit.unwrap().rule_id, "a");
    assert!(used.unwrap().retired);
    let (hit, _) = book.check_request(&facts("dbss:instance:start"), FaultFiring::default());
    assert_eq!(hit.unwrap().rule_id, "b");
    assert_eq!(book.rules().len(), 1, "a retired after one firing");
}

#[test]
fn seeded_probability_replays() {
    let run = || {
        let book = FaultBook::new(glob);
        let r = rule(r#"{"id":"p","probability":0.5,"seed":7,"error":{}}"#);
        book.replace(vec![r]).unwrap();
        (0..64)
            .map(|_| {
                book.check_request(&facts("dbss:instance:get"), FaultFiring::default())
                    .0
                    .is_some()
            })
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    let hits = first.iter().filter(|h| **h).count();
    assert!((16..48).contains(&hits), "{hits} of 64");
}

#[test]
fn steps_match_driver_rules_only_and_count_the_drivers_uses() {
    let book = FaultBook::new(glob);
    let api = rule(r#"{"id":"api","error":{}}"#);
    let hang = rule(
        r#"{"id":"h","resource":"dbss-one","operation":"restart","times":1,"driver":{"hang":true}}"#,
    );
    book.replace(vec![api, hang]).unwrap();
    let step = StepFacts {
        kind: ResourceKind::DbomInstance,
        action: Action::Restart,
        project_id: "p1".into(),
        resource_id: "db-1".into(),
        resource_name: "dbss-one".into(),
    };
    let hit = book.check_step(&step, &|_| 0).unwrap();
    assert_eq!(hit.fault, StepFault::Hang);
    assert!(
        book.check_step(&step, &|_| 1).is_none(),
        "used once by the driver"
    );
    assert_eq!(book.retire_used(&|_| 1), vec!["h".to_string()]);
}

#[test]
fn shapes_are_checked() {
    let bad = |json: &str, field: &str| {
        let e = rule(json).check_shape(0).unwrap_err();
        assert_eq!(e.field, field, "{json}");
    };
    bad(r#"{"family":"ec2","error":{}}"#, "rules[0].family");
    bad(r#"{"probability":1.5,"error":{}}"#, "rules[0].probability");
    bad(r#"{"times":0,"error":{}}"#, "rules[0].times");
    bad(
        r#"{"error":{"statusCode":302}}"#,
        "rules[0].error.statusCode",
    );
    bad(r#"{"error":{},"driver":{"hang":true}}"#, "rules[0].driver");
    bad(r#"{"driver":{"hang":true,"take_ms":3}}"#, "rules[0].driver");
    bad(r#"{"latency_ms":60001}"#, "rules[0].latency_ms");
    bad(r#"{"action":"x"}"#, "rules[0].error");
    assert!(serde_json::from_str::<FaultRule>(r#"{"bogus":1}"#).is_err());
}
