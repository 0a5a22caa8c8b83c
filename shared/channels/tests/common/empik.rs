//! An EmpikPlace shop in the simulator polled through the whole pipeline (scheduler, poller,
//! ingest) on a manual clock, with the simulator's request log to count what polling costs.

use super::cycle;
use chrono::{Duration, Utc};
use marketdesk_channels::empik::EmpikThreadsSource;
use marketdesk_core::domain::{Channel, Integration, IntegrationKind, Message, Ticket};
use marketdesk_core::ports::{ManualClock, MarketplaceRegistry, Ports};
use marketdesk_core::repo::{integrations, tickets};
use marketdesk_core::services::integrations::api_key_secret_name;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::backend::{manual_backend, seed_connected_integration, TempBackend};
use marketdesk_testkit::SimulatorControl;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::sync::Arc;

/// The User-Agent the channel sends.
pub const UA: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";

/// Stores the API key of the simulator's `shop` (as the control API answered it) for
/// `integration`, as connecting the shop does.
pub async fn store_api_key(ports: &Ports, integration: &Integration, shop: &Value) {
    ports
        .secrets
        .put(
            &api_key_secret_name(&integration.tenant_id, &integration.id).expect("name"),
            &SecretString::from(shop["api_key"].as_str().expect("key").to_owned()),
        )
        .await
        .expect("the shop's API key is stored");
}

/// A simulator with a shop and a customer, an integration holding the shop's key (enabled an
/// hour ago), and the EmpikPlace reader registered as the poller runs it.
pub struct EmpikShop {
    pub sandbox: RunningSandbox,
    pub backend: TempBackend,
    /// The backend's clock (the simulator keeps its own).
    pub clock: Arc<ManualClock>,
    /// The simulator's control API.
    pub control: SimulatorControl,
    pub integration: Integration,
    pub registry: MarketplaceRegistry,
    pub shop_id: i64,
    pub customer_id: String,
}

impl EmpikShop {
    /// A fresh world; nothing polled yet.
    pub async fn start() -> Self {
        let sandbox = RunningSandbox::start_local().await.expect("sandbox");
        let control = SimulatorControl::new(&sandbox.base_url);
        let (backend, clock) = manual_backend(Utc::now());
        let ports = backend.ports.clone();
        let shop = control.mirakl_shop(json!({"name": "Sklep Empik"})).await;
        let customer = control.mirakl_customer("Anna", "Nowak").await;
        let seeded =
            seed_connected_integration(&ports, "t1", "empik-1", IntegrationKind::Empikplace).await;
        let stored = integrations::get(&*ports.store, &seeded.tenant_id, &seeded.id)
            .await
            .expect("get")
            .expect("exists");
        let mut integration = stored.value.clone();
        integration.enabled_at = Utc::now() - Duration::hours(1);
        integrations::update(&*ports.store, &integration, stored.version)
            .await
            .expect("enabled an hour ago");
        store_api_key(&ports, &integration, &shop).await;
        let registry = MarketplaceRegistry::empty().with_source(
            Channel::EmpikThreads,
            Arc::new(EmpikThreadsSource::new(
                super::empik_access(&ports),
                sandbox.base_url.clone(),
                UA,
            )),
        );
        Self {
            sandbox,
            backend,
            clock,
            control,
            integration,
            registry,
            shop_id: shop["shop_id"].as_i64().expect("shop id"),
            customer_id: customer["customer_id"].as_str().expect("id").to_owned(),
        }
    }

    /// A new order of the customer with one line titled `title`; its id.
    pub async fn order(&self, title: &str) -> String {
        let order = self
            .control
            .post(
                "/mirakl/orders",
                json!({"shop_id": self.shop_id, "customer_id": self.customer_id,
                       "lines": [{"title": title, "sku": "SKU-1", "quantity": 1, "price": 10.0}]}),
            )
            .await;
        order["order_id"].as_str().expect("order id").to_owned()
    }

    /// A thread opened by the customer about `order_id` on `topic`; its id.
    pub async fn thread(&self, order_id: Option<&str>, topic: Value, body: &str) -> String {
        let mut request = json!({"shop_id": self.shop_id, "customer_id": self.customer_id,
                                 "topic": topic, "body": body});
        if let Some(order_id) = order_id {
            request["order_id"] = json!(order_id);
        }
        let thread = self.control.post("/mirakl/threads", request).await;
        thread["thread_id"].as_str().expect("thread id").to_owned()
    }

    /// A message from CUSTOMER, OPERATOR or SHOP (the Empik panel) in `thread_id`.
    pub async fn message(&self, thread_id: &str, from: &str, body: &str) {
        self.control
            .post(
                &format!("/mirakl/threads/{thread_id}/messages"),
                json!({"from": from, "body": body}),
            )
            .await;
    }

    /// One scheduler tick, poll and ingest; the events ingested.
    pub async fn cycle(&self) -> usize {
        cycle(&self.backend.ports, &self.registry).await
    }

    /// The ticket of `thread_id`.
    pub async fn ticket(&self, thread_id: &str) -> Ticket {
        tickets::list_recent(
            &*self.backend.ports.store,
            &self.integration.tenant_id,
            None,
            100,
        )
        .await
        .expect("tickets")
        .0
        .into_iter()
        .find(|t| t.conversation.external_id == thread_id)
        .unwrap_or_else(|| panic!("no ticket for thread {thread_id}"))
    }

    /// The stored messages of `ticket`, oldest first.
    pub async fn messages(&self, ticket: &Ticket) -> Vec<Message> {
        tickets::messages(&*self.backend.ports.store, &ticket.tenant_id, &ticket.id)
            .await
            .expect("messages")
    }

    /// `"<METHOD> <path>"` of every seller-API call since the log was last cleared.
    pub async fn calls(&self) -> Vec<String> {
        self.control
            .requests("/api/")
            .await
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap_or(""),
                    r["path"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    /// Empties the simulator's request log.
    pub async fn forget_calls(&self) {
        self.control.clear_requests().await;
    }

    /// How many of the calls since the log was cleared start with `prefix` (e.g. `GET /api/orders`).
    pub async fn count_calls(&self, prefix: &str) -> usize {
        self.calls()
            .await
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    }
}
