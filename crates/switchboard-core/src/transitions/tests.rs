use super::*;

fn setting(json: serde_json::Value) -> Transition {
    serde_json::from_value(json).unwrap()
}

fn facts() -> ReadFacts {
    ReadFacts {
        resource_id: "srv-1".into(),
        kind: ResourceKind::Server,
        project_id: "p1".into(),
    }
}

#[test]
fn validation_names_the_field() {
    let bad = [
        (serde_json::json!({"progression": "immediate"}), "resource"),
        (
            serde_json::json!({"resource": "a", "kind": "server", "progression": "immediate"}),
            "scope",
        ),
        (
            serde_json::json!({"family": "ec2", "progression": "immediate"}),
            "family",
        ),
        (
            serde_json::json!({"kind": "vm", "progression": "immediate"}),
            "kind",
        ),
        (
            serde_json::json!({"resource": "a", "progression": "manual"}),
            "times",
        ),
        (
            serde_json::json!({"resource": "a", "progression": "manual", "times": 0}),
            "times",
        ),
        (
            serde_json::json!({"resource": "a", "progression": "time", "seconds": -1.0}),
            "seconds",
        ),
        (
            serde_json::json!({"resource": "a", "progression": "time", "seconds": 1e12}),
            "seconds",
        ),
        (
            serde_json::json!({"resource": "a", "progression": "immediate", "seconds": 1.0}),
            "seconds",
        ),
    ];
    for (json, field) in bad {
        let err = setting(json.clone()).validate().unwrap_err();
        assert_eq!(err.field, field, "{json}");
    }
    let ok = setting(serde_json::json!({"family": "bms", "progression": "time"}));
    assert_eq!(ok.validate(), Ok(()));
}

#[test]
fn the_most_specific_setting_wins_and_the_latest_among_equals() {
    let book = TransitionBook::new();
    let mut project = setting(serde_json::json!({"project": "p1", "progression": "immediate"}));
    project.project_id = Some("p1".into());
    let family = setting(serde_json::json!({"family": "bms", "progression": "time"}));
    let kind1 = setting(serde_json::json!({"kind": "server", "progression": "manual", "times": 1}));
    let kind2 = setting(serde_json::json!({"kind": "server", "progression": "manual", "times": 2}));
    book.replace(vec![project.clone(), family.clone()]);
    assert_eq!(book.progression_for(&facts()), Some(family.clone()));
    book.append(vec![kind1]).unwrap();
    book.append(vec![kind2.clone()]).unwrap();
    assert_eq!(book.progression_for(&facts()), Some(kind2));
    let mut other = facts();
    other.project_id = "p2".into();
    other.kind = ResourceKind::Flow;
    assert_eq!(book.progression_for(&other), None);
}

#[test]
fn a_manual_transition_completes_on_exactly_the_nth_read_of_its_task() {
    let book = TransitionBook::new();
    book.replace(vec![setting(
        serde_json::json!({"resource": "srv-1", "progression": "manual", "times": 2}),
    )]);
    assert!(!book.note_read(&facts(), 7));
    assert!(book.note_read(&facts(), 7));
    assert!(!book.note_read(&facts(), 7));
    assert_eq!(book.reads("srv-1", 7), 3);
    // A new task counts afresh.
    assert!(!book.note_read(&facts(), 8));
    assert_eq!(book.reads("srv-1", 7), 0);
    assert_eq!(book.reads("srv-1", 8), 1);
}

#[test]
fn the_clock_only_moves_forward() {
    let clock = SimClock::default();
    assert_eq!(clock.advance(5000), 5000);
    assert_eq!(clock.advance(-100), 5000);
    clock.restore(1000);
    assert_eq!(clock.offset_ms(), 5000);
}
