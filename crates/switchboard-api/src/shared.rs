//! Changes to what every replica keeps in memory, told to the others through the store
//! (`announce_shared`, which waits until every live replica has applied them): the principals
//! cached for tokens; whether the test team's controls are set (replicas beside the leader pass
//! every request to it while they are, so that rules count their matches, transitions their
//! reads, in one place: see the binary's `member`); and resets and restores of the world.

use crate::AppState;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use switchboard_store::{SharedApply, SharedChange, StoreError};

/// Whether any fault rule or transition is set, or the simulated clock was moved.
pub fn controls_set(state: &AppState) -> bool {
    !state.faults.is_empty()
        || !state.transitions.stored().is_empty()
        || state.transitions.clock.offset_ms() != 0
}

/// Tells the other replicas that the controls changed (on the leader, which alone holds them),
/// and whether the world was reset or restored too.
pub async fn controls_changed(state: &AppState, reload: bool) {
    let controls = Some(controls_set(state));
    if let Err(err) = state.store.announce_shared(controls, reload).await {
        tracing::warn!(%err, "cannot tell the other replicas that the controls changed");
    }
}

/// The controls flag the replicas were last told, as this replica last applied it from the
/// database (unknown before its first look): what the leader compares its controls with.
#[derive(Default)]
pub struct Told(AtomicU8);

impl Told {
    /// Notes the flag a change applied here carried.
    pub fn applied(&self, change: &SharedChange) {
        self.0
            .store(1 + u8::from(change.controls), Ordering::SeqCst);
    }

    fn get(&self) -> Option<bool> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            n => Some(n == 2),
        }
    }
}

/// On the leader: keeps the other replicas told whether the controls are set, from now on and
/// when a rule retires by its use (`times`), checking every second against what they were
/// last told (`told`, which the leader's own looks keep). A change through the API tells them
/// at once ([`controls_changed`]); this covers what changes without a request.
pub fn keep_told(state: &AppState, told: Arc<Told>) {
    // Only where other replicas may be, until this one is deposed.
    let (Some(_), Some(mut lost)) = (state.store.writer(), state.store.lease_lost()) else {
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        while !*lost.borrow_and_update() {
            let set = controls_set(&state);
            if told.get().is_some_and(|told| told != set) {
                if let Err(err) = state.store.announce_shared(Some(set), false).await {
                    tracing::warn!(%err, "cannot tell the other replicas the controls");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = lost.changed() => {}
            }
        }
    });
}

/// Tells the other replicas to forget the principals they cached (a token revoked, a user or
/// a policy changed), once this one has.
pub async fn identity_changed(state: &AppState) -> Result<(), StoreError> {
    state.store.announce_shared(None, false).await
}

/// What applies the others' changes on this replica: its cached principals are forgotten, then
/// `then` sees the change. The store keeps it, and the authentication service keeps the store:
/// it holds the service weakly, so that a store (a member's, left) is not kept alive by itself.
pub fn applier(
    auth: &Arc<crate::AuthService>,
    then: impl Fn(SharedChange) + Send + Sync + 'static,
) -> SharedApply {
    let auth = Arc::downgrade(auth);
    Arc::new(move |change| {
        if let Some(auth) = auth.upgrade() {
            auth.forget_all();
        }
        then(change);
    })
}
