//! Call-budget port: what a marketplace adapter asks before each call, and tells after a 429.
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
