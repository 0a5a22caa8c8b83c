//! Everything the functions and `marketdesk serve` need from the channels, built once from
//! the settings: the channel readers, the reply channels, the token refresher, the OAuth
//! connector, the key check.

use crate::allegro::access::AllegroAccess;
use crate::allegro::client::{AllegroChannelConfig, AllegroClients};
use crate::allegro::delivery::{AllegroIssueReplies, AllegroThreadReplies};
use crate::allegro::issues_source::AllegroIssuesSource;
use crate::allegro::messaging_source::AllegroMessagingSource;
use crate::allegro::oauth::AllegroOAuth;
use crate::allegro::tokens::AllegroTokenRefresher;
use crate::empik::{EmpikAccess, EmpikKeyCheck, EmpikThreadReplies, EmpikThreadsSource};
use crate::settings::ChannelSettings;
use crate::webhooks::HttpWebhookTransport;
use marketdesk_core::adapter_ports;
use marketdesk_core::domain::webhook::WebhookSettings;
use marketdesk_core::domain::Channel;
use marketdesk_core::polling::PollingSettings;
use marketdesk_core::ports::{
    AccountConnector, DeliveryRegistry, MarketplaceRegistry, NoConnector, OAuthProvider, Ports,
};
use std::sync::Arc;

/// Why the channels could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// A configured URL is unusable.
    #[error("invalid marketplace URL: {0}")]
    Url(String),
    /// The HTTP client could not be built.
    #[error("cannot build the Allegro client: {0}")]
    Client(String),
}

/// The channels of one installation.
#[derive(Clone)]
pub struct Channels {
    /// Readers for the poller, per channel.
    pub registry: MarketplaceRegistry,
    /// Reply senders (and attachment fetchers) for the sender and the API, per channel.
    pub deliveries: DeliveryRegistry,
    /// Allegro clients (when an Allegro application is configured).
    pub allegro: Option<AllegroClients>,
    /// Refreshes Allegro token pairs (when configured).
    pub refresher: Option<Arc<AllegroTokenRefresher>>,
    /// Connects Allegro accounts through OAuth.
    pub connector: Arc<dyn AccountConnector>,
    /// Allegro's side of OAuth, for the scheduler's device-grant polls (when configured).
    pub oauth: Option<Arc<dyn OAuthProvider>>,
    /// Checks EmpikPlace keys with A01.
    pub key_check: Arc<EmpikKeyCheck>,
    /// Posts webhooks (and resolves their hosts).
    pub webhooks: Arc<HttpWebhookTransport>,
    /// Which webhook targets are allowed, time-outs and retries (defaults until the wiring
    /// reads `MARKETDESK_WEBHOOKS_*` with [`WebhookSettings::from_env`]).
    pub webhook_settings: WebhookSettings,
    /// How often each inbox is read and active accounts re-read (defaults for a one-minute
    /// tick until the wiring reads `MARKETDESK_POLL_*` with [`PollingSettings::from_env`]).
    pub polling: PollingSettings,
}

/// The scheduler's period unless the wiring says otherwise (the one-minute rule on AWS).
pub const DEFAULT_TICK: std::time::Duration = std::time::Duration::from_secs(60);

impl Channels {
    /// Builds every channel the settings allow.
    pub fn build(ports: &Ports, settings: &ChannelSettings) -> Result<Self, WiringError> {
        let polling = PollingSettings {
            allegro_budget: settings.allegro_budget,
            ..PollingSettings::new(DEFAULT_TICK)
        };
        // The adapters get narrow ports, never the bundle: a clock, keys or tokens, the budget.
        let budget = adapter_ports::call_budget(ports);
        let empik = EmpikAccess::new(
            ports.clock.clone(),
            adapter_ports::api_keys(ports),
            budget.clone(),
        );
        let mut registry = MarketplaceRegistry::empty().with_source(
            Channel::EmpikThreads,
            Arc::new(
                EmpikThreadsSource::new(
                    empik.clone(),
                    settings.empik_api_url.clone(),
                    settings.user_agent.clone(),
                )
                .with_max_answer_bytes(settings.max_answer_bytes),
            ),
        );
        let mut deliveries = DeliveryRegistry::empty().with_channel(
            Channel::EmpikThreads,
            Arc::new(
                EmpikThreadReplies::new(
                    empik,
                    settings.empik_api_url.clone(),
                    settings.user_agent.clone(),
                )
                .with_max_answer_bytes(settings.max_answer_bytes),
            ),
        );
        let key_check = Arc::new(EmpikKeyCheck::new(
            settings.empik_api_url.clone(),
            settings.user_agent.clone(),
        ));
        let Some(allegro) = &settings.allegro else {
            return Ok(Self {
                registry,
                deliveries,
                allegro: None,
                refresher: None,
                connector: Arc::new(NoConnector),
                oauth: None,
                key_check,
                webhooks: Arc::new(HttpWebhookTransport::new()),
                webhook_settings: WebhookSettings::default(),
                polling,
            });
        };
        let parse = |url: &Option<String>| {
            url.as_deref()
                .map(url::Url::parse)
                .transpose()
                .map_err(|e| WiringError::Url(e.to_string()))
        };
        let config = AllegroChannelConfig {
            api_url: parse(&allegro.api_url)?,
            auth_url: parse(&allegro.auth_url)?,
            client_id: allegro.client_id.clone(),
            client_secret: allegro.client_secret.clone(),
            user_agent: settings.user_agent.clone(),
        };
        let max_answer_bytes = settings.max_answer_bytes;
        // Every Allegro call of every worker draws from the client id's shared budget.
        let gate: Arc<dyn marketdesk_allegro::RequestGate> = Arc::new(
            crate::budget::AllegroBudgetGate::new(budget, settings.allegro_budget),
        );
        let clients = AllegroClients::with_adjusted(&config, |c| {
            c.with_max_answer_bytes(max_answer_bytes)
                .with_gate(gate.clone())
        })
        .map_err(|e| WiringError::Client(e.to_string()))?;
        let refresher = Arc::new(AllegroTokenRefresher::new(
            clients.clone(),
            ports.clock.clone(),
        ));
        let access = AllegroAccess::new(
            ports.clock.clone(),
            adapter_ports::access_tokens(ports, refresher.clone()),
        );
        let oauth: Arc<dyn OAuthProvider> =
            Arc::new(AllegroOAuth::new(clients.clone(), ports.clock.clone()));
        registry = registry
            .with_source(
                Channel::AllegroIssues,
                Arc::new(AllegroIssuesSource::new(access.clone(), clients.clone())),
            )
            .with_source(
                Channel::AllegroMessaging,
                Arc::new(AllegroMessagingSource::new(access.clone(), clients.clone())),
            )
            .with_order_journal(Arc::new(
                crate::allegro::order_journal::AllegroOrderJournal::new(
                    access.clone(),
                    clients.clone(),
                ),
            ))
            .with_offer_reader(Arc::new(crate::allegro::offers::AllegroOfferReader::new(
                access.clone(),
                clients.clone(),
            )));
        deliveries = deliveries
            .with_channel(
                Channel::AllegroIssues,
                Arc::new(AllegroIssueReplies::new(access.clone(), clients.clone())),
            )
            .with_channel(
                Channel::AllegroMessaging,
                Arc::new(AllegroThreadReplies::new(access.clone(), clients.clone())),
            )
            .with_order_updates(Arc::new(
                crate::allegro::order_updates::AllegroOrderUpdates::new(
                    access.clone(),
                    clients.clone(),
                ),
            ))
            .with_offer_commands(Arc::new(crate::allegro::offers::AllegroOfferCommands::new(
                access.clone(),
                clients.clone(),
            )));
        Ok(Self {
            registry,
            deliveries,
            connector: adapter_ports::oauth_connector(
                oauth.clone(),
                settings.allegro_redirect_uri(),
            ),
            oauth: Some(oauth),
            allegro: Some(clients),
            refresher: Some(refresher),
            key_check,
            webhooks: Arc::new(HttpWebhookTransport::new()),
            webhook_settings: WebhookSettings::default(),
            polling,
        })
    }
}
