use super::*;
use proptest::prelude::*;
use std::collections::HashMap;

fn demo() -> DependencyGraph {
    let spec: &[(&str, &[&str])] = &[
        ("ZooKeeper", &[]),
        ("DBService", &[]),
        ("HDFS", &["ZooKeeper"]),
        ("Yarn", &["HDFS", "ZooKeeper"]),
        ("Hive", &["HDFS", "Yarn", "DBService", "ZooKeeper"]),
        ("Kafka", &["ZooKeeper"]),
    ];
    DependencyGraph::new(spec.iter().map(|(n, d)| (*n, d.iter().copied()))).unwrap()
}

fn all(state: Lifecycle) -> impl Fn(usize) -> ResourceView {
    move |_| ResourceView { state, claim: None }
}

fn names(g: &DependencyGraph, plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| g.name(s.node).to_string())
        .collect()
}

#[test]
fn start_with_dependencies_from_all_stopped() {
    let g = demo();
    let hdfs = g.index_of("HDFS").unwrap();
    let plan = plan_operation(&g, hdfs, Action::Start, false, all(Lifecycle::Stopped)).unwrap();
    assert_eq!(names(&g, &plan), vec!["ZooKeeper", "HDFS"]);
    let hdfs_step = plan.steps.iter().find(|s| s.node == hdfs).unwrap();
    assert_eq!(hdfs_step.after.len(), 1);
}

#[test]
fn only_self_plans_just_the_target() {
    let g = demo();
    let hive = g.index_of("Hive").unwrap();
    let plan = plan_operation(&g, hive, Action::Start, true, all(Lifecycle::Stopped)).unwrap();
    assert_eq!(names(&g, &plan), vec!["Hive"]);
}

#[test]
fn stop_with_dependents_skips_the_stopped_ones() {
    let g = demo();
    let zk = g.index_of("ZooKeeper").unwrap();
    let kafka = g.index_of("Kafka").unwrap();
    let view = move |n| ResourceView {
        state: if n == kafka {
            Lifecycle::Stopped
        } else {
            Lifecycle::Running
        },
        claim: None,
    };
    let plan = plan_operation(&g, zk, Action::Stop, false, view).unwrap();
    let mut got = names(&g, &plan);
    got.sort();
    assert_eq!(got, vec!["HDFS", "Hive", "Yarn", "ZooKeeper"]);
    let zk_step = plan.steps.iter().find(|s| s.node == zk).unwrap();
    assert_eq!(
        zk_step.after.len(),
        3,
        "ZooKeeper stops after all its running dependents"
    );
}

#[test]
fn nothing_to_do_is_an_empty_plan() {
    let g = demo();
    let hdfs = g.index_of("HDFS").unwrap();
    let plan = plan_operation(&g, hdfs, Action::Start, false, all(Lifecycle::Running)).unwrap();
    assert!(plan.is_empty());
}

#[test]
fn claims_follow_the_same_action_and_conflict_otherwise() {
    let g = demo();
    let zk = g.index_of("ZooKeeper").unwrap();
    let hdfs = g.index_of("HDFS").unwrap();
    let starting = move |n| ResourceView {
        state: Lifecycle::Starting,
        claim: (n == zk).then_some((7, Action::Start)),
    };
    let plan = plan_operation(&g, hdfs, Action::Start, false, starting).unwrap();
    let zk_step = plan.steps.iter().find(|s| s.node == zk).unwrap();
    assert_eq!(zk_step.mode, StepMode::Follow(7));

    let stopping = move |n| ResourceView {
        state: Lifecycle::Stopping,
        claim: (n == zk).then_some((9, Action::Stop)),
    };
    let err = plan_operation(&g, hdfs, Action::Start, false, stopping).unwrap_err();
    assert_eq!(
        err,
        PlanError::Conflict {
            resource: "ZooKeeper".into(),
            task: 9,
            action: Action::Stop
        }
    );
}

/// A random DAG: node i may depend only on nodes < i, so it is acyclic by construction.
fn random_dag() -> impl Strategy<Value = Vec<Vec<usize>>> {
    (2usize..30).prop_flat_map(|n| {
        proptest::collection::vec(
            proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
            n,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, picks)| {
                    let mut deps: Vec<usize> = if i == 0 {
                        vec![]
                    } else {
                        picks.iter().map(|p| p.index(i)).collect()
                    };
                    deps.sort_unstable();
                    deps.dedup();
                    deps
                })
                .collect()
        })
    })
}

fn build(deps: &[Vec<usize>]) -> Result<DependencyGraph, crate::GraphError> {
    let names: Vec<String> = (0..deps.len()).map(|i| format!("n{i}")).collect();
    let dep_names: Vec<Vec<&str>> = deps
        .iter()
        .map(|d| d.iter().map(|&j| names[j].as_str()).collect())
        .collect();
    DependencyGraph::new(
        names
            .iter()
            .map(|n| n.as_str())
            .zip(dep_names.iter().map(|d| d.iter().copied())),
    )
}

/// Positions of each planned node in a topological execution order honouring `after`.
fn execution_order(plan: &Plan) -> HashMap<usize, usize> {
    let mut done = vec![false; plan.steps.len()];
    let mut order = HashMap::new();
    while order.len() < plan.steps.len() {
        let ready = (0..plan.steps.len())
            .find(|&i| !done[i] && plan.steps[i].after.iter().all(|&a| done[a]))
            .expect("plan has a cycle");
        done[ready] = true;
        order.insert(plan.steps[ready].node, order.len());
    }
    order
}

proptest! {
    #[test]
    fn start_plans_respect_dependencies(deps in random_dag(), target in any::<prop::sample::Index>()) {
        let g = build(&deps).unwrap();
        let t = target.index(deps.len());
        let plan = plan_operation(&g, t, Action::Start, false, all(Lifecycle::Stopped)).unwrap();
        let order = execution_order(&plan);
        prop_assert_eq!(order.len(), g.transitive_deps(t).len() + 1);
        for (i, s) in plan.steps.iter().enumerate() {
            prop_assert!(s.after.iter().all(|&a| a < i), "steps are listed in the order they can run");
        }
        for (&node, &pos) in &order {
            for d in g.transitive_deps(node) {
                prop_assert!(order[&d] < pos, "dependency must start first");
            }
        }
    }

    #[test]
    fn stop_plans_reverse_dependencies(deps in random_dag(), target in any::<prop::sample::Index>()) {
        let g = build(&deps).unwrap();
        let t = target.index(deps.len());
        let plan = plan_operation(&g, t, Action::Stop, false, all(Lifecycle::Running)).unwrap();
        let order = execution_order(&plan);
        prop_assert_eq!(order.len(), g.transitive_dependents(t).len() + 1);
        for (&node, &pos) in &order {
            for d in g.transitive_dependents(node) {
                prop_assert!(order[&d] < pos, "dependent must stop first");
            }
        }
    }

    #[test]
    fn any_back_edge_is_rejected_as_a_cycle(deps in random_dag(), from in any::<prop::sample::Index>()) {
        // Add an edge from an ancestor back to a node that (transitively) depends on it.
        let mut deps = deps;
        let n = deps.len();
        let Some(child) = (0..n).find(|&i| !deps[i].is_empty()) else { return Ok(()) };
        let parent = deps[child][from.index(deps[child].len())];
        deps[parent].push(child);
        let err = build(&deps).unwrap_err();
        prop_assert!(matches!(err, crate::GraphError::Cycle(_)));
    }
}

/// The planner before lists were reduced: every member waits for every member among its
/// transitive prerequisites (the oracle for the reduced lists).
fn transitive_afters(g: &DependencyGraph, plan: &Plan, action: Action) -> Vec<Vec<usize>> {
    let forward = matches!(action, Action::Start | Action::Restart);
    plan.steps
        .iter()
        .map(|s| {
            let before = if forward {
                g.transitive_deps(s.node)
            } else {
                g.transitive_dependents(s.node)
            };
            (0..plan.steps.len())
                .filter(|&i| before.binary_search(&plan.steps[i].node).is_ok())
                .collect()
        })
        .collect()
}

/// Every step each step waits for, directly or through others.
fn closure(plan: &Plan) -> Vec<Vec<usize>> {
    let mut all: Vec<std::collections::BTreeSet<usize>> = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        let mut set = std::collections::BTreeSet::new();
        for &a in &s.after {
            assert!(a < i, "prerequisites are listed first");
            set.insert(a);
            set.extend(all[a].iter().copied());
        }
        all.push(set);
    }
    all.into_iter().map(|s| s.into_iter().collect()).collect()
}

fn action_of(pick: u8) -> Action {
    match pick % 3 {
        0 => Action::Start,
        1 => Action::Stop,
        _ => Action::Restart,
    }
}

proptest! {
    #[test]
    fn reduced_afters_have_the_old_transitive_closure(
        deps in random_dag(),
        running in proptest::collection::vec(any::<bool>(), 30),
        target in any::<prop::sample::Index>(),
        pick in any::<u8>(),
        only_self in any::<bool>(),
    ) {
        let g = build(&deps).unwrap();
        let t = target.index(deps.len());
        let action = action_of(pick);
        let view = |n: usize| ResourceView {
            state: if running[n] { Lifecycle::Running } else { Lifecycle::Stopped },
            claim: None,
        };
        let plan = plan_operation(&g, t, action, only_self, view).unwrap();
        prop_assert_eq!(closure(&plan), transitive_afters(&g, &plan, action));
        for s in &plan.steps {
            let mut sorted = s.after.clone();
            sorted.dedup();
            prop_assert_eq!(&sorted, &s.after, "sorted, each prerequisite once");
        }
    }
}

#[test]
fn a_chain_keeps_one_prerequisite_per_step() {
    let names: Vec<String> = (0..2_000).map(|i| format!("c{i}")).collect();
    let g = DependencyGraph::new(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), names[..i].last().map(String::as_str))),
    )
    .unwrap();
    let plan = plan_operation(&g, 1_999, Action::Start, false, all(Lifecycle::Stopped)).unwrap();
    let entries: usize = plan.steps.iter().map(|s| s.after.len()).sum();
    assert_eq!(entries, 1_999, "linear in the edges, not quadratic");
    assert!(plan
        .steps
        .iter()
        .enumerate()
        .all(|(i, s)| s.after == (0..i).last().into_iter().collect::<Vec<_>>()));
}

#[test]
fn a_member_waits_past_a_neighbour_already_in_place() {
    // C needs B (running, so not planned), which needs A: C still waits for A.
    let g = build(&[vec![], vec![0], vec![1]]).unwrap();
    let view = |n| ResourceView {
        state: if n == 1 {
            Lifecycle::Running
        } else {
            Lifecycle::Stopped
        },
        claim: None,
    };
    let plan = plan_operation(&g, 2, Action::Start, false, view).unwrap();
    assert_eq!(names(&g, &plan), vec!["n0", "n2"]);
    assert_eq!(plan.steps[1].after, vec![0]);
}
