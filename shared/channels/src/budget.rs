//! The Allegro client's request gate on the core's request budget: every call of the
//! installation's client id draws from one budget (`allegro#<client id>`), with the
//! priority of its kind, and a 429 anywhere blocks the client id for every worker.

use marketdesk_allegro::{CallKind, RequestGate};
use marketdesk_core::domain::budget::{BudgetPolicy, Priority, BLOCK_FLOOR};
use marketdesk_core::ports::call_budget::conversation_read_priority;
use marketdesk_core::ports::CallBudget;
use std::sync::Arc;
use std::time::Duration;

/// The budget key of an Allegro application.
pub fn allegro_key(client_id: &str) -> String {
    format!("allegro#{client_id}")
}

/// [`RequestGate`] over the shared budget.
#[derive(Clone)]
pub struct AllegroBudgetGate {
    budget: Arc<dyn CallBudget>,
    policy: BudgetPolicy,
}

impl AllegroBudgetGate {
    /// The gate on the core's `budget` with `policy`.
    pub fn new(budget: Arc<dyn CallBudget>, policy: BudgetPolicy) -> Self {
        Self { budget, policy }
    }
}

impl std::fmt::Debug for AllegroBudgetGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AllegroBudgetGate")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The budget priority of a kind of call: a conversation read is a re-read of an active
/// conversation inside the poller's `as_active_read` scope (ahead of the scheduled polls),
/// else a scheduled poll.
pub fn priority(kind: CallKind) -> Priority {
    match kind {
        CallKind::Reply => Priority::Reply,
        CallKind::Token => Priority::TokenRefresh,
        CallKind::Poll => conversation_read_priority(),
        CallKind::Orders => Priority::Orders,
        CallKind::Offers => Priority::Offers,
    }
}

#[async_trait::async_trait]
impl RequestGate for AllegroBudgetGate {
    async fn admit(&self, client_id: &str, kind: CallKind) -> Result<(), Duration> {
        self.budget
            .admit(&allegro_key(client_id), priority(kind), &self.policy)
            .await
    }

    async fn rate_limited(&self, client_id: &str, retry_after: Duration) {
        self.budget
            .rate_limited(&allegro_key(client_id), retry_after)
            .await;
    }
}

/// The budget key of an EmpikPlace shop (one integration is one shop).
pub fn empik_key(shop: &str) -> String {
    format!("empik#{shop}")
}

/// [`marketdesk_mirakl::ShopGate`] over the shared budget: no per-second ceiling (Mirakl
/// publishes none), but a 429 (with or without `Retry-After`) blocks the shop for every
/// worker for at least a minute.
#[derive(Clone)]
pub struct EmpikShopGate {
    budget: Arc<dyn CallBudget>,
    key: String,
}

impl EmpikShopGate {
    /// The gate of `shop` on the core's `budget`.
    pub fn new(budget: Arc<dyn CallBudget>, shop: &str) -> Self {
        Self {
            budget,
            key: empik_key(shop),
        }
    }
}

impl std::fmt::Debug for EmpikShopGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmpikShopGate")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl marketdesk_mirakl::ShopGate for EmpikShopGate {
    async fn admit(&self) -> Result<(), Duration> {
        self.budget
            .admit(&self.key, Priority::Poll, &BudgetPolicy::blocks_only())
            .await
    }

    async fn rate_limited(&self, retry_after: Option<Duration>) -> Duration {
        let retry_after = retry_after.unwrap_or(BLOCK_FLOOR);
        self.budget.rate_limited(&self.key, retry_after).await
    }
}
