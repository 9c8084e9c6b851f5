//! Ids of things created at run time (Live flows, request ids, fault rules). Random without a
//! seed; under `[ids] seed`, the n-th id of each kind is a UUID derived from (seed, kind, n)
//! (version 5), so two runs of the same test from a fresh data dir get the same ids. Secrets
//! (tokens, passwords, keys) never come from here: they stay random.

use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// The id source of one server.
#[derive(Debug, Default)]
pub struct Ids {
    seed: Option<u64>,
    counters: Mutex<HashMap<&'static str, u64>>,
}

impl Ids {
    pub fn new(seed: Option<u64>) -> Ids {
        Ids {
            seed,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// The next id of `kind`.
    pub fn uuid(&self, kind: &'static str) -> Uuid {
        match self.seed {
            // uuid's `fast-rng`: from the thread's CSPRNG, not a syscall per id.
            None => Uuid::new_v4(),
            Some(seed) => self.seeded(seed, kind),
        }
    }

    /// The next id of `kind`, later ones sorting after earlier ones without a seed (version 7:
    /// the time, then random bits). For ids kept in an index (the request id of every task):
    /// each new one goes to the index's last page instead of a random one, so an accept
    /// writes one page fewer and the index's pages stay out of the writer's way as it grows.
    pub fn ordered(&self, kind: &'static str) -> Uuid {
        match self.seed {
            None => Uuid::now_v7(),
            Some(seed) => self.seeded(seed, kind),
        }
    }

    fn seeded(&self, seed: u64, kind: &'static str) -> Uuid {
        let n = {
            let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
            let n = counters.entry(kind).or_insert(0);
            *n += 1;
            *n
        };
        let name = format!("switchboard:{seed}:{kind}:{n}");
        Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::Ids;

    #[test]
    fn seeded_ids_repeat_per_kind_and_unseeded_do_not() {
        let (a, b) = (Ids::new(Some(42)), Ids::new(Some(42)));
        assert_eq!(a.uuid("flow"), b.uuid("flow"));
        assert_ne!(a.uuid("flow"), a.uuid("request"));
        assert_ne!(
            Ids::new(Some(43)).uuid("flow"),
            Ids::new(Some(42)).uuid("flow")
        );
        assert_ne!(Ids::new(None).uuid("flow"), Ids::new(None).uuid("flow"));
        let (c, d) = (Ids::new(Some(42)), Ids::new(Some(42)));
        assert_eq!(c.ordered("request"), d.ordered("request"));
    }

    #[test]
    fn unseeded_ordered_ids_sort_by_creation() {
        let ids = Ids::new(None);
        let made: Vec<String> = (0..1000)
            .map(|_| ids.ordered("request").simple().to_string())
            .collect();
        let mut sorted = made.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(made, sorted);
    }
}
