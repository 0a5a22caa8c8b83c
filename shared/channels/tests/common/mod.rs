//! The simulator helpers and the pipeline scenario shared by the Allegro tests, so the
//! embedded (`allegro_sources`) and AWS (`aws_pipeline`) runs exercise the same world, and
//! an EmpikPlace shop polled through the pipeline ([`empik`]).

#![allow(dead_code)] // each test binary uses part of this module

pub mod empik;
pub mod orders;

use marketdesk_allegro::{AllegroClient, AllegroConfig, RetryPolicy};
use marketdesk_channels::allegro::access::AllegroAccess;
use marketdesk_channels::allegro::tokens::{token_set, AllegroTokenRefresher};
use marketdesk_channels::allegro::AllegroChannelConfig;
use marketdesk_channels::allegro::{AllegroClients, AllegroIssuesSource, AllegroMessagingSource};
use marketdesk_channels::empik::EmpikAccess;
use marketdesk_core::adapter_ports;
use marketdesk_core::domain::{
    AuthorKind, Channel, ConversationKind, Environment, Integration, IntegrationKind, Ticket,
};
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::{MarketplaceRegistry, Ports};
use marketdesk_core::repo::{customers, integrations, tickets};
use marketdesk_core::services::polling::PollingSettings;
use marketdesk_core::services::{ingest, poller, scheduler, tokens};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::backend::{seed_connected_integration, TempBackend};
use marketdesk_testkit::SimulatorControl;
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use url::Url;

pub const UA: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";
pub const CLIENT_ID: &str = "sandbox-client-id";
pub const CLIENT_SECRET: &str = "sandbox-client-secret";
pub const REDIRECT_URI: &str = "http://localhost:8080/oauth/allegro/callback";
pub const SANDBOX_SITE: &str = "https://allegro.pl.allegrosandbox.pl";

/// The Allegro channel's configuration against the simulator at `base_url` (its API and
/// OAuth host), with the simulator's application credentials.
pub fn simulator_allegro_config(base_url: &str) -> AllegroChannelConfig {
    let base = Url::parse(base_url).expect("simulator URL");
    AllegroChannelConfig {
        api_url: Some(base.clone()),
        auth_url: Some(base),
        client_id: CLIENT_ID.into(),
        client_secret: SecretString::from(CLIENT_SECRET.to_owned()),
        user_agent: UA.into(),
    }
}

/// The Allegro clients against the simulator at `base_url`: a 5 s timeout and short retries,
/// then whatever `adjust` changes.
pub fn simulator_clients(
    base_url: &str,
    adjust: impl Fn(AllegroConfig) -> AllegroConfig,
) -> AllegroClients {
    AllegroClients::with_adjusted(&simulator_allegro_config(base_url), |c| {
        adjust(
            c.with_timeout(StdDuration::from_secs(5))
                .with_retry(RetryPolicy {
                    initial_backoff: StdDuration::from_millis(5),
                    ..RetryPolicy::default()
                }),
        )
    })
    .expect("clients")
}

/// A simulator with one signed-in seller, a backend holding that seller's Allegro integration
/// connected through the code flow, and the clients (5 s timeout, short retries): what every
/// Allegro harness starts from.
pub struct AllegroSeller {
    /// The simulator.
    pub sandbox: RunningSandbox,
    /// Its control API.
    pub control: SimulatorControl,
    /// The backend the integration lives in.
    pub backend: TempBackend,
    /// The Allegro clients the channels use.
    pub clients: AllegroClients,
    /// The connected integration (tenant `t1`).
    pub integration: Integration,
    /// The simulator's seller.
    pub seller_id: String,
    /// Follows no redirects: the OAuth steps read them.
    pub http: reqwest::Client,
}

impl AllegroSeller {
    /// Seller `login` on `backend`, the clients' configuration changed by `adjust`.
    pub async fn start(
        login: &str,
        backend: TempBackend,
        adjust: impl Fn(AllegroConfig) -> AllegroConfig,
    ) -> Self {
        let sandbox = RunningSandbox::start_local().await.expect("sandbox");
        let clients = simulator_clients(&sandbox.base_url, adjust);
        let control = SimulatorControl::new(&sandbox.base_url);
        let http = control.http().clone();
        let integration = seed_connected_integration(
            &backend.ports,
            "t1",
            &format!("allegro-{login}"),
            IntegrationKind::Allegro,
        )
        .await;
        let seller_id = control.allegro_seller(login, true).await;
        let seller = Self {
            sandbox,
            control,
            backend,
            clients,
            integration,
            seller_id,
            http,
        };
        seller.connect().await;
        seller
    }

    /// The backend's ports.
    pub fn ports(&self) -> &Ports {
        &self.backend.ports
    }

    /// The client of the sandbox environment.
    pub fn client(&self) -> &AllegroClient {
        self.clients.for_environment(Environment::Sandbox)
    }

    /// The authorization-code flow with PKCE against the simulator; the pair goes to the
    /// secrets port as the connect flow stores it.
    pub async fn connect(&self) {
        connect(self.ports(), self.client(), &self.http, &self.integration).await;
    }

    /// The seller's world for a buyer `buyer_login` (see [`shop`]).
    pub async fn shop(&self, buyer_login: &str) -> Shop {
        shop(&self.control, &self.seller_id, buyer_login).await
    }
}

/// The authorization-code flow with PKCE against the simulator; the pair goes to the
/// secrets port as the connect flow stores it. `http` must not follow redirects.
pub async fn connect(
    ports: &Ports,
    client: &AllegroClient,
    http: &reqwest::Client,
    integration: &Integration,
) {
    let request = client
        .authorization_request(REDIRECT_URI, &[])
        .expect("authorize url");
    let response = http
        .get(request.url.as_str())
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status().as_u16(), 302);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| Url::parse(l).ok())
        .expect("redirect");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let answer = client
        .exchange_code(&code, REDIRECT_URI, Some(&request.pkce_verifier))
        .await
        .expect("code exchange");
    let pair = token_set(
        &answer,
        &SecretString::from(String::new()),
        ports.clock.now(),
    );
    tokens::save(ports, &integration.tenant_id, &integration.id, &pair)
        .await
        .expect("tokens stored");
}

/// The world of one seller: a buyer, two offers with EANs and an order of both.
pub struct Shop {
    pub buyer_id: String,
    pub buyer_login: String,
    pub buyer_emails: Vec<String>,
    pub offers: [String; 2],
    pub order_id: String,
}

/// An [`AllegroSeller`] with the channel adapters a test exercises; it reads as the seller.
pub struct WithAdapters<A> {
    /// The connected seller.
    pub seller: AllegroSeller,
    /// The adapters under test.
    pub adapters: A,
}

impl<A> std::ops::Deref for WithAdapters<A> {
    type Target = AllegroSeller;

    fn deref(&self) -> &AllegroSeller {
        &self.seller
    }
}

/// Seeds [`Shop`] for `seller_id`: buyer `buyer_login`, a mug and a plate with EANs and an
/// order of both.
pub async fn shop(control: &SimulatorControl, seller_id: &str, buyer_login: &str) -> Shop {
    let buyer = control
        .allegro_buyer(json!({ "login": buyer_login, "first_name": "Anna", "last_name": "Nowak" }))
        .await;
    let buyer_id = buyer["id"].as_str().expect("buyer id").to_owned();
    let mug = control
        .create(
            "/allegro/offers",
            json!({ "seller_id": seller_id, "name": "Kubek ceramiczny biały 300 ml", "ean": "5901234123457" }),
        )
        .await;
    let plate = control
        .create(
            "/allegro/offers",
            json!({ "seller_id": seller_id, "name": "Talerz płytki biały 27 cm", "ean": "5909876543210" }),
        )
        .await;
    let order_id = control
        .create(
            "/allegro/orders",
            json!({ "seller_id": seller_id, "buyer_id": buyer_id,
                    "line_items": [{ "offer_id": mug, "quantity": 2 }, { "offer_id": plate }] }),
        )
        .await;
    Shop {
        buyer_id,
        buyer_login: buyer_login.to_owned(),
        buyer_emails: vec![
            buyer["email"].as_str().expect("email").to_owned(),
            buyer["plain_email"]
                .as_str()
                .expect("plain email")
                .to_owned(),
        ],
        offers: [mug, plate],
        order_id,
    }
}

/// The narrow ports the wiring lends the Allegro adapters: `ports`' clock and the access
/// tokens refreshed with `clients`.
pub fn allegro_access(ports: &Ports, clients: &AllegroClients) -> AllegroAccess {
    let refresher = Arc::new(AllegroTokenRefresher::new(
        clients.clone(),
        ports.clock.clone(),
    ));
    AllegroAccess::new(
        ports.clock.clone(),
        adapter_ports::access_tokens(ports, refresher),
    )
}

/// The narrow ports the wiring lends the EmpikPlace adapters over `ports`.
pub fn empik_access(ports: &Ports) -> EmpikAccess {
    EmpikAccess::new(
        ports.clock.clone(),
        adapter_ports::api_keys(ports),
        adapter_ports::call_budget(ports),
    )
}

/// Both Allegro sources, as the poller function registers them.
pub fn allegro_registry(ports: &Ports, clients: &AllegroClients) -> MarketplaceRegistry {
    MarketplaceRegistry::empty()
        .with_source(
            Channel::AllegroIssues,
            Arc::new(AllegroIssuesSource::new(
                allegro_access(ports, clients),
                clients.clone(),
            )),
        )
        .with_source(
            Channel::AllegroMessaging,
            Arc::new(AllegroMessagingSource::new(
                allegro_access(ports, clients),
                clients.clone(),
            )),
        )
}

/// The pipeline scenario: one buyer with a dispute (and the seller's answer), a claim, a
/// purchase problem and a question — four conversations.
pub struct PipelineScenario {
    pub shop: Shop,
    pub dispute: String,
    pub question: String,
}

/// Sets the integration's CRM field and ticket queue, then seeds [`PipelineScenario`].
pub async fn seed_pipeline(
    ports: &Ports,
    integration: &Integration,
    control: &SimulatorControl,
    seller_id: &str,
    buyer_login: &str,
) -> PipelineScenario {
    let stored = integrations::get(&*ports.store, &integration.tenant_id, &integration.id)
        .await
        .expect("get")
        .expect("exists");
    let mut updated = stored.value.clone();
    updated.settings.crm_field = "Allegro login".into();
    updated.settings.ticket_queue = Some("Allegro".into());
    integrations::update(&*ports.store, &updated, stored.version)
        .await
        .expect("settings");
    let shop = shop(control, seller_id, buyer_login).await;
    let dispute = control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                "type": "DISPUTE", "reason": "NO_PRODUCT_IN_PARCEL", "text": "Pusta paczka." }),
        )
        .await;
    // Ingest orders messages of the same millisecond arbitrarily; Allegro's rarely share one.
    control.advance_clock(1).await;
    control
        .create(
            &format!("/allegro/inbox/issues/{dispute}/messages"),
            json!({ "author": "SELLER", "text": "Sprawdzimy." }),
        )
        .await;
    control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                "type": "CLAIM", "reason": "ITEM_IS_DAMAGED", "text": "Uszkodzony." }),
        )
        .await;
    control.create(
        "/allegro/inbox/threads",
        json!({ "seller_id": seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                "type": "POST_PURCHASE_ISSUE", "sub_type": "NO_PRODUCT_IN_THE_SHIPMENT", "text": "Nie ma." }),
    )
    .await;
    let question = control.create(
        "/allegro/inbox/threads",
        json!({ "seller_id": seller_id, "buyer_id": shop.buyer_id, "type": "COMMON", "text": "Faktura?" }),
    )
    .await;
    PipelineScenario {
        shop,
        dispute,
        question,
    }
}

/// After the first cycle of [`PipelineScenario`]: four tickets of the four kinds, one
/// customer with the CRM field and both e-mails, the dispute's subject, queue, panel and
/// last author, the question awaiting a reply. Returns the tickets and the dispute's.
pub async fn assert_pipeline_tickets(
    ports: &Ports,
    integration: &Integration,
    scenario: &PipelineScenario,
) -> (Vec<Ticket>, Ticket) {
    let tenant = &integration.tenant_id;
    let (tickets, _) = tickets::list_recent(&*ports.store, tenant, None, 50)
        .await
        .expect("tickets");
    assert_eq!(tickets.len(), 4);
    let mut kinds: Vec<ConversationKind> = tickets.iter().map(|t| t.conversation.kind).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        kinds,
        [
            ConversationKind::AllegroClaim,
            ConversationKind::AllegroCommonThread,
            ConversationKind::AllegroDispute,
            ConversationKind::AllegroPurchaseProblem
        ]
    );
    let customer_ids: Vec<_> = tickets
        .iter()
        .map(|t| t.customer_id.clone().expect("linked"))
        .collect();
    assert!(
        customer_ids.iter().all(|c| *c == customer_ids[0]),
        "one buyer, one customer"
    );
    let customer = customers::get(&*ports.store, tenant, &customer_ids[0])
        .await
        .expect("customer")
        .expect("exists")
        .value;
    assert_eq!(
        customer.custom_fields.get("Allegro login"),
        Some(&scenario.shop.buyer_login)
    );
    let d = tickets
        .iter()
        .find(|t| t.conversation.external_id == scenario.dispute)
        .expect("dispute ticket")
        .clone();
    assert_eq!(d.subject, "Brak przedmiotu w paczce");
    assert_eq!(d.queue.as_deref(), Some("Allegro"));
    assert_eq!(d.panel.products.len(), 2);
    assert_eq!(d.last_author, Some(AuthorKind::SellerViaMarketplace));
    assert!(!d.needs_reply);
    let q = tickets
        .iter()
        .find(|t| t.conversation.external_id == scenario.question)
        .expect("question ticket");
    assert!(q.needs_reply);
    assert_eq!(
        customer.emails, scenario.shop.buyer_emails,
        "both e-mail forms from the order"
    );
    (tickets, d)
}

/// Runs the scheduler, every poll job and every inbound event once; the bodies of the
/// events ingested.
pub async fn cycle_bodies(ports: &Ports, registry: &MarketplaceRegistry) -> Vec<String> {
    scheduler::fan_out(ports).await.expect("fan out");
    let settings = PollingSettings::reads_once(StdDuration::from_secs(60));
    run_polls(ports, registry, &settings).await;
    ingest_all(ports)
        .await
        .into_iter()
        .map(|(body, _)| body)
        .collect()
}

/// Runs every poll job visible now with `settings`; each job's channel and outcome.
pub async fn run_polls(
    ports: &Ports,
    registry: &MarketplaceRegistry,
    settings: &PollingSettings,
) -> Vec<(Channel, poller::PollOutcome)> {
    let visibility = StdDuration::from_secs(30);
    let mut outcomes = Vec::new();
    loop {
        let jobs = ports
            .queues
            .poll_jobs
            .receive(10, visibility)
            .await
            .expect("jobs");
        if jobs.is_empty() {
            return outcomes;
        }
        for job in jobs {
            let channel = serde_json::from_str::<PollJob>(&job.body)
                .expect("poll job")
                .channel;
            let outcome = poller::handle_body_with(ports, registry, &job.body, settings)
                .await
                .expect("poll job");
            outcomes.push((channel, outcome));
            ports
                .queues
                .poll_jobs
                .delete(&job.receipt)
                .await
                .expect("delete");
        }
    }
}

/// Ingests every inbound event visible now; their bodies and outcomes.
pub async fn ingest_all(ports: &Ports) -> Vec<(String, ingest::IngestOutcome)> {
    let visibility = StdDuration::from_secs(30);
    let mut ingested = Vec::new();
    loop {
        let events = ports
            .queues
            .inbound
            .receive(10, visibility)
            .await
            .expect("events");
        if events.is_empty() {
            return ingested;
        }
        for event in events {
            let outcome = ingest::handle_body(ports, &event.body)
                .await
                .expect("ingest");
            ports
                .queues
                .inbound
                .delete(&event.receipt)
                .await
                .expect("delete");
            ingested.push((event.body, outcome));
        }
    }
}

/// Runs the scheduler, every poll job and every inbound event once; the events ingested.
pub async fn cycle(ports: &Ports, registry: &MarketplaceRegistry) -> usize {
    cycle_bodies(ports, registry).await.len()
}
