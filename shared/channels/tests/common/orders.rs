//! An Allegro account reading its order journal from the simulator, on any backend
//! (`allegro_orders` embedded, `aws_orders` on DynamoDB Local + moto, `allegro_blocked`).

use super::{allegro_registry, connect, cycle, simulator_allegro_config};
use marketdesk_allegro::AllegroClient;
use marketdesk_channels::allegro::order_journal::AllegroOrderJournal;
use marketdesk_channels::allegro::AllegroClients;
use marketdesk_core::domain::order::Order;
use marketdesk_core::domain::{Environment, Integration, IntegrationKind};
use marketdesk_core::ports::{MarketplaceRegistry, Ports};
use marketdesk_core::repo::{integrations, orders};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::backend::{seed_connected_integration, temp_backend, TempBackend};
use marketdesk_testkit::SimulatorControl;
use serde_json::{json, Value};
use std::sync::Arc;

/// The simulator, the backend and a connected account with orders switched on.
pub struct World {
    pub sandbox: RunningSandbox,
    /// The embedded backend's directory, kept while the world lives (`None` on AWS).
    pub backend: Option<TempBackend>,
    pub ports: Ports,
    pub registry: MarketplaceRegistry,
    /// The Allegro clients the journal reads with (for other adapters of the same world).
    pub clients: AllegroClients,
    pub integration: Integration,
    pub http: reqwest::Client,
    /// The simulator's control API.
    pub control: SimulatorControl,
    pub seller_id: String,
    pub buyer_id: String,
    pub offer_id: String,
}

impl World {
    /// On a fresh embedded backend.
    pub async fn start(login: &str, create_automatically: bool) -> Self {
        let backend = temp_backend();
        let ports = backend.ports.clone();
        Self::start_on(ports, Some(backend), login, create_automatically).await
    }

    /// A connected Allegro account with orders switched on, a buyer and an offer, on `ports`.
    pub async fn start_on(
        ports: Ports,
        backend: Option<TempBackend>,
        login: &str,
        create_automatically: bool,
    ) -> Self {
        let sandbox = RunningSandbox::start_local().await.expect("sandbox");
        let config = simulator_allegro_config(&sandbox.base_url);
        let clients = AllegroClients::new(&config).expect("clients");
        let control = SimulatorControl::new(&sandbox.base_url);
        let http = control.http().clone();
        let mut integration =
            seed_connected_integration(&ports, "t1", login, IntegrationKind::Allegro).await;
        let seller_id = control.allegro_seller(login, true).await;
        let client: &AllegroClient = clients.for_environment(Environment::Production);
        connect(&ports, client, &http, &integration).await;
        let stored = integrations::get(&*ports.store, &integration.tenant_id, &integration.id)
            .await
            .expect("read")
            .expect("stored");
        integration = stored.value;
        integration.settings.orders.enabled = true;
        integration.settings.orders.create_automatically = create_automatically;
        integrations::update(&*ports.store, &integration, stored.version)
            .await
            .expect("orders on");
        let buyer = control
            .allegro_buyer(json!({ "login": format!("kupujacy_{login}") }))
            .await;
        let offer_id = control
            .create(
                "/allegro/offers",
                json!({ "seller_id": seller_id, "name": "Kubek", "price": "24.99" }),
            )
            .await;
        let registry = allegro_registry(&ports, &clients).with_order_journal(Arc::new(
            AllegroOrderJournal::new(super::allegro_access(&ports, &clients), clients.clone()),
        ));
        Self {
            sandbox,
            backend,
            ports,
            registry,
            clients,
            integration,
            http,
            control,
            seller_id,
            buyer_id: buyer["id"].as_str().expect("buyer id").to_owned(),
            offer_id,
        }
    }

    pub async fn purchase(&self, extra: Value) -> String {
        let mut body = json!({ "seller_id": self.seller_id, "buyer_id": self.buyer_id,
                               "offer_ids": [self.offer_id], "status": "BOUGHT" });
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        self.control.create("/allegro/orders", body).await
    }

    pub async fn act(&self, path: &str, body: Value) {
        self.control.post(path, body).await;
    }

    pub async fn poll(&self) {
        cycle(&self.ports, &self.registry).await;
    }

    pub async fn order(&self, form_id: &str) -> Option<Order> {
        orders::get_order(
            &*self.ports.store,
            &self.integration.tenant_id,
            &Order::id_for(&self.integration.id, form_id),
        )
        .await
        .expect("read")
        .map(|v| v.value)
    }

    /// Marketplace calls under `/order` since the log was last cleared.
    pub async fn order_calls(&self) -> Vec<Value> {
        self.control.requests("/order").await
    }

    pub async fn clear_calls(&self) {
        self.control.clear_requests().await;
    }
}
