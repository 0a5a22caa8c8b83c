//! The Allegro client's request gate on the core's request budget: every call of the
//! installation's client id draws from one budget (`allegro#<client id>`), with the
//! priority of its kind, and a 429 anywhere blocks the client id for every worker.

use marketdesk_allegro::{CallKind, RequestGate};
use marketdesk_core::ports::Ports;
use marketdesk_core::services::budget::{Budget, BudgetPolicy, Priority};
use std::time::Duration;

/// The budget key of an Allegro application.
pub fn allegro_key(client_id: &str) -> String {
    format!("allegro#{client_id}")
}

/// [`RequestGate`] over the shared budget.
#[derive(Debug, Clone)]
pub struct AllegroBudgetGate {
    budget: Budget,
    policy: BudgetPolicy,
}

impl AllegroBudgetGate {
    /// The gate on the ports' budget with `policy`.
    pub fn new(ports: &Ports, policy: BudgetPolicy) -> Self {
        Self {
            budget: Budget::new(ports.budget.clone(), ports.clock.clone()),
            policy,
        }
    }

    /// The same gate waiting at most `max_wait` for a slot before the work is re-queued.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.budget = self.budget.with_max_wait(max_wait);
        self
    }
}

/// The budget priority of a kind of call.
pub fn priority(kind: CallKind) -> Priority {
    match kind {
        CallKind::Reply => Priority::Reply,
        CallKind::Token => Priority::TokenRefresh,
        CallKind::Poll => Priority::Poll,
        CallKind::Orders => Priority::Orders,
        CallKind::Offers => Priority::Offers,
    }
}

#[async_trait::async_trait]
impl RequestGate for AllegroBudgetGate {
    async fn admit(&self, client_id: &str, kind: CallKind) -> Result<(), Duration> {
        self.budget
            .acquire(&allegro_key(client_id), priority(kind), &self.policy)
            .await
            .map_err(|not_now| not_now.retry_after)
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
#[derive(Debug, Clone)]
pub struct EmpikShopGate {
    budget: Budget,
    key: String,
}

impl EmpikShopGate {
    /// The gate of `shop` on the ports' budget.
    pub fn new(ports: &Ports, shop: &str) -> Self {
        Self {
            budget: Budget::new(ports.budget.clone(), ports.clock.clone()),
            key: empik_key(shop),
        }
    }
}

#[async_trait::async_trait]
impl marketdesk_mirakl::ShopGate for EmpikShopGate {
    async fn admit(&self) -> Result<(), Duration> {
        self.budget
            .acquire(&self.key, Priority::Poll, &BudgetPolicy::blocks_only())
            .await
            .map_err(|not_now| not_now.retry_after)
    }

    async fn rate_limited(&self, retry_after: Option<Duration>) -> Duration {
        let retry_after = retry_after.unwrap_or(marketdesk_core::services::budget::BLOCK_FLOOR);
        self.budget.rate_limited(&self.key, retry_after).await
    }
}
