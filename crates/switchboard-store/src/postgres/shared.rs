//! Changes to what every replica keeps in memory (`shared_changes`): a replica that revokes a
//! token, changes a user or a policy, or sets the test team's controls announces it by raising
//! the generation, then waits until every live writer has applied it (each notes the newest
//! generation it applied in its row, `writers.seen`). So once the change is answered, no
//! replica serves from what it replaced: a revoked token is refused everywhere, a fault rule
//! set through one replica is matched by the requests any replica takes next.

use crate::{SharedApply, SharedChange, StoreResult};
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::time::Instant;

/// How often an announcing replica looks whether every writer has applied its change.
const ACK_POLL: Duration = Duration::from_millis(20);

/// One replica's following of the changes: what applies them here (set once its state is
/// built), the newest generation noted, and whether the hook is new (its first look applies
/// what holds then, whatever the generation).
#[derive(Default)]
pub(super) struct Following {
    apply: OnceLock<SharedApply>,
    applied: AtomicI64,
    fresh: AtomicBool,
}

impl Following {
    pub(super) fn set(&self, apply: SharedApply) {
        if self.apply.set(apply).is_err() {
            tracing::warn!("shared changes are applied by one hook only; a second one is ignored");
        }
        self.fresh.store(true, Ordering::SeqCst);
    }

    /// Applies a newer generation, if any, and notes it in `writer`'s row. A store without a
    /// hook (no cache, no controls to follow) notes it all the same, so that no change waits
    /// on it.
    pub(super) async fn look(&self, pool: &PgPool, writer: i64) -> StoreResult<()> {
        let (generation, controls, reloads): (i64, bool, i64) =
            sqlx::query_as("SELECT generation, controls, reloads FROM shared_changes WHERE id = 0")
                .fetch_one(pool)
                .await?;
        let fresh = self.fresh.swap(false, Ordering::SeqCst);
        if generation <= self.applied.load(Ordering::SeqCst) && !fresh {
            return Ok(());
        }
        if let Some(apply) = self.apply.get() {
            apply(SharedChange { controls, reloads });
        }
        // Noted once the row says so: a failed note is tried again at the next look.
        seen(pool, writer, generation).await?;
        self.applied.store(generation, Ordering::SeqCst);
        Ok(())
    }
}

async fn seen(pool: &PgPool, writer: i64, generation: i64) -> StoreResult<()> {
    sqlx::query("UPDATE writers SET seen = GREATEST(seen, $2) WHERE token = $1")
        .bind(writer)
        .bind(generation)
        .execute(pool)
        .await?;
    Ok(())
}

/// Raises the generation (setting the controls flag when given, counting a reload when asked),
/// notes that this writer (which applied the change already) has it, and waits until every
/// live writer has, for at most `within`; the writers still behind then are named in the log.
pub(super) async fn announce(
    pool: &PgPool,
    writer: i64,
    (controls, reload): (Option<bool>, bool),
    within: Duration,
) -> StoreResult<()> {
    let generation: i64 = sqlx::query_scalar(
        "UPDATE shared_changes SET generation = generation + 1, \
         controls = COALESCE($1, controls), reloads = reloads + $2::int \
         WHERE id = 0 RETURNING generation",
    )
    .bind(controls)
    .bind(reload)
    .fetch_one(pool)
    .await?;
    seen(pool, writer, generation).await?;
    let deadline = Instant::now() + within;
    loop {
        // The leader's row has no lease of its own (the serving lease holds it): always live.
        let behind: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT token, name FROM writers WHERE seen < $1 \
             AND (expires_at IS NULL OR expires_at > clock_timestamp())",
        )
        .bind(generation)
        .fetch_all(pool)
        .await?;
        if behind.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let names: Vec<_> = behind
                .iter()
                .map(|(t, n)| format!("{} ({t})", n.as_deref().unwrap_or("leader")))
                .collect();
            tracing::warn!(
                generation,
                behind = ?names,
                "replicas did not apply a shared change in time; they will when they look next"
            );
            return Ok(());
        }
        tokio::time::sleep(ACK_POLL).await;
    }
}
