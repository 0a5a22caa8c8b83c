//! Call-budget port: what a marketplace adapter asks before each call, and tells after a 429,
//! and whether the work calling is the re-read of an active conversation ([`as_active_read`]).
//! The core's `services::budget::Budget` implements it over the shared [`super::RateBudget`].

use crate::domain::budget::{BudgetPolicy, Priority};
use async_trait::async_trait;
use std::time::Duration;

/// The request budget as an adapter sees it.
#[async_trait]
pub trait CallBudget: Send + Sync {
    /// Takes one call of `key` for `priority` under `policy`; `Err(retry_after)` when the call
    /// may not go now (the work goes back to its queue for that long).
    async fn admit(
        &self,
        key: &str,
        priority: Priority,
        policy: &BudgetPolicy,
    ) -> Result<(), Duration>;

    /// Records a 429 for `key` (every worker waits); answers how long.
    async fn rate_limited(&self, key: &str, retry_after: Duration) -> Duration;
}

tokio::task_local! {
    /// Set while a job re-reads an active conversation ([`as_active_read`]).
    static ACTIVE_READ: ();
}

/// Runs `work` as the re-read of an active conversation: the buyer-conversation reads it
/// makes are admitted as [`Priority::ActiveRead`] instead of [`Priority::Poll`]
/// ([`conversation_read_priority`]). A scope rather than a parameter because the reads are
/// made deep inside the marketplace adapters (the Allegro client's request gate), which
/// know the kind of a call but not which job it serves.
pub async fn as_active_read<F: std::future::Future>(work: F) -> F::Output {
    ACTIVE_READ.scope((), work).await
}

/// The priority of a buyer-conversation read made now: [`Priority::ActiveRead`] inside
/// [`as_active_read`], else [`Priority::Poll`].
pub fn conversation_read_priority() -> Priority {
    if ACTIVE_READ.try_with(|_| ()).is_ok() {
        Priority::ActiveRead
    } else {
        Priority::Poll
    }
}
