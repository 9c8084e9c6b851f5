//! The dependency graph of the inventory: validated once at load, then queried by the planner.

use std::collections::HashMap;
use std::sync::Arc;

/// Why a set of dependency declarations is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("{node} depends on unknown {missing}")]
    UnknownDependency { node: String, missing: String },
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("{0} is declared twice")]
    Duplicate(String),
}

/// Nodes are identified by name; edges point from a node to what it depends on.
#[derive(Debug, Clone, Default)]
pub struct DependencyGraph {
    /// One allocation per name, shared by the list and the map.
    names: Vec<Arc<str>>,
    /// Looked up on every accept and step: a fast hasher, seeded per graph.
    index: HashMap<Arc<str>, usize, foldhash::fast::RandomState>,
    deps: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
    /// Position of each node in a topological order (dependencies first).
    rank: Vec<usize>,
}

impl DependencyGraph {
    /// Builds and validates the graph: every dependency must exist and there must be no cycle.
    pub fn new<'a, I, D>(nodes: I) -> Result<Self, GraphError>
    where
        I: IntoIterator<Item = (&'a str, D)>,
        D: IntoIterator<Item = &'a str>,
    {
        let pending: Vec<(&str, Vec<&str>)> = nodes
            .into_iter()
            .map(|(n, d)| (n, d.into_iter().collect()))
            .collect();
        let mut graph = DependencyGraph::default();
        graph.names.reserve(pending.len());
        graph.index.reserve(pending.len());
        for (name, _) in &pending {
            let shared: Arc<str> = Arc::from(*name);
            if graph
                .index
                .insert(shared.clone(), graph.names.len())
                .is_some()
            {
                return Err(GraphError::Duplicate(name.to_string()));
            }
            graph.names.push(shared);
        }
        graph.deps = vec![Vec::new(); graph.names.len()];
        graph.dependents = vec![Vec::new(); graph.names.len()];
        for (i, (name, deps)) in pending.iter().enumerate() {
            for dep in deps {
                let Some(&j) = graph.index.get(*dep) else {
                    return Err(GraphError::UnknownDependency {
                        node: name.to_string(),
                        missing: dep.to_string(),
                    });
                };
                if !graph.deps[i].contains(&j) {
                    graph.deps[i].push(j);
                    graph.dependents[j].push(i);
                }
            }
        }
        if let Some(cycle) = graph.find_cycle() {
            return Err(GraphError::Cycle(
                cycle
                    .into_iter()
                    .map(|i| graph.names[i].to_string())
                    .collect(),
            ));
        }
        graph.rank = graph.topological_ranks();
        Ok(graph)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, node: usize) -> &str {
        &self.names[node]
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Direct dependencies of `node`.
    pub fn deps(&self, node: usize) -> &[usize] {
        &self.deps[node]
    }

    /// Direct dependents of `node`.
    pub fn dependents(&self, node: usize) -> &[usize] {
        &self.dependents[node]
    }

    /// Adds a node that depends on existing ones (so no cycle can form); returns its index.
    pub fn add_node(&mut self, name: &str, deps: &[&str]) -> Result<usize, GraphError> {
        if self.index.contains_key(name) {
            return Err(GraphError::Duplicate(name.to_string()));
        }
        let mut dep_nodes = Vec::with_capacity(deps.len());
        for d in deps {
            let j = self
                .index_of(d)
                .ok_or_else(|| GraphError::UnknownDependency {
                    node: name.to_string(),
                    missing: d.to_string(),
                })?;
            dep_nodes.push(j);
        }
        let node = self.names.len();
        let shared: Arc<str> = Arc::from(name);
        self.names.push(shared.clone());
        self.index.insert(shared, node);
        for &j in &dep_nodes {
            self.dependents[j].push(node);
        }
        self.deps.push(dep_nodes);
        self.dependents.push(Vec::new());
        self.rank.push(node);
        Ok(node)
    }

    /// Position of `node` in a topological order: every dependency ranks lower.
    pub fn rank(&self, node: usize) -> usize {
        self.rank[node]
    }

    /// Kahn's algorithm, ties broken by declaration order (the graph is known to be acyclic).
    fn topological_ranks(&self) -> Vec<usize> {
        let mut missing: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut ready: std::collections::BTreeSet<usize> =
            (0..self.names.len()).filter(|&n| missing[n] == 0).collect();
        let mut rank = vec![0; self.names.len()];
        let mut next = 0;
        while let Some(n) = ready.pop_first() {
            rank[n] = next;
            next += 1;
            for &d in &self.dependents[n] {
                missing[d] -= 1;
                if missing[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        rank
    }

    /// Everything `node` depends on, directly or not (excluding itself).
    pub fn transitive_deps(&self, node: usize) -> Vec<usize> {
        self.reach(node, &self.deps)
    }

    /// Everything that depends on `node`, directly or not (excluding itself).
    pub fn transitive_dependents(&self, node: usize) -> Vec<usize> {
        self.reach(node, &self.dependents)
    }

    fn reach(&self, start: usize, edges: &[Vec<usize>]) -> Vec<usize> {
        let mut seen = vec![false; self.names.len()];
        let mut stack = vec![start];
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            for &m in &edges[n] {
                if !seen[m] && m != start {
                    seen[m] = true;
                    out.push(m);
                    stack.push(m);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// A cycle as a closed walk `a -> b -> … -> a`, if there is one.
    fn find_cycle(&self) -> Option<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut mark = vec![Mark::New; self.names.len()];
        for root in 0..self.names.len() {
            if mark[root] != Mark::New {
                continue;
            }
            // Iterative DFS keeping the current path so the cycle can be named.
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            mark[root] = Mark::OnPath;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                if let Some(&dep) = self.deps[node].get(*next) {
                    *next += 1;
                    match mark[dep] {
                        Mark::New => {
                            mark[dep] = Mark::OnPath;
                            path.push((dep, 0));
                        }
                        Mark::OnPath => {
                            let from = path.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                            let mut cycle: Vec<usize> =
                                path[from..].iter().map(|&(n, _)| n).collect();
                            cycle.push(dep);
                            return Some(cycle);
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    path.pop();
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(spec: &[(&'static str, &[&'static str])]) -> Result<DependencyGraph, GraphError> {
        DependencyGraph::new(spec.iter().map(|(n, d)| (*n, d.iter().copied())))
    }

    #[test]
    fn unknown_dependency_is_named() {
        let err = graph(&[("HDFS", &["ZooKeeper"])]).unwrap_err();
        assert_eq!(err.to_string(), "HDFS depends on unknown ZooKeeper");
    }

    #[test]
    fn cycle_is_named_as_a_closed_walk() {
        let err = graph(&[("A", &["B"]), ("B", &["C"]), ("C", &["A"]), ("D", &[])]).unwrap_err();
        let GraphError::Cycle(walk) = err else {
            panic!("expected a cycle")
        };
        assert_eq!(walk.first(), walk.last());
        assert_eq!(walk.len(), 4);
        for n in ["A", "B", "C"] {
            assert!(walk.iter().any(|w| w == n));
        }
    }

    #[test]
    fn added_nodes_depend_only_on_existing_ones() {
        let mut g = graph(&[("Z", &[])]).unwrap();
        let h = g.add_node("H", &["Z"]).unwrap();
        assert_eq!(g.deps(h), &[0]);
        assert!(g.rank(h) > g.rank(0));
        assert_eq!(g.transitive_dependents(0), vec![h]);
        assert!(matches!(
            g.add_node("H", &[]),
            Err(GraphError::Duplicate(_))
        ));
        assert!(matches!(
            g.add_node("K", &["nope"]),
            Err(GraphError::UnknownDependency { .. })
        ));
    }

    #[test]
    fn transitive_queries() {
        let g = graph(&[("Z", &[]), ("H", &["Z"]), ("Y", &["H", "Z"]), ("K", &["Z"])]).unwrap();
        let z = g.index_of("Z").unwrap();
        let y = g.index_of("Y").unwrap();
        let names = |v: Vec<usize>| {
            v.into_iter()
                .map(|i| g.name(i).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(g.transitive_deps(y)), vec!["Z", "H"]);
        assert_eq!(names(g.transitive_dependents(z)), vec!["H", "Y", "K"]);
    }
}
