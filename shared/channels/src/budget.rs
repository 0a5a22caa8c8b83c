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
