//! The agent API: one axum router, served by `lambda_http` on AWS and by `marketdesk serve`
//! locally. Handlers decode the request, call `marketdesk-core`, and encode the answer.
//!
//! Layout: `routes/` holds one module per resource, `auth` the API-key middleware and the
//! role extractors, `throttle` the per-address limit of failed authentications, `extract` the
//! JSON body, query and path extractors whose failures name the field at fault (`json` the
//! strict JSON they use; path ids are checked there), `edge` the outermost layer (request
//! target limit, security headers), `error` the JSON error answer, `openapi` the document,
//! `web` the agent workspace's pages (same router, session cookies, not in the route table).

mod auth;
mod edge;
mod error;
mod extract;
mod json;
mod openapi;
mod routes;
mod session;
mod throttle;
mod web;

pub use edge::URI_LIMIT_BYTES;
pub use error::ApiError;
pub use openapi::document as openapi_document;
pub use throttle::{AuthThrottle, ClientAddr};
pub use web::PAGE_POLICY;

use axum::Router;
use marketdesk_core::ports::{
    AccountConnector, CredentialCheck, DeliveryRegistry, HostResolver, NoConnector, Ports,
    SystemResolver, UncheckedCredentials,
};
use marketdesk_core::services::people::PeopleSettings;
use marketdesk_core::services::webhooks::WebhookSettings;
use std::sync::Arc;

/// Largest request body accepted, in bytes (replies carry base64 attachments up to 10 MB).
pub const BODY_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The ports, wired once at start-up.
    pub ports: Ports,
    /// Checks marketplace API keys before they are stored (EmpikPlace A01, issue 7).
    pub credential_check: Arc<dyn CredentialCheck>,
    /// Connects Allegro accounts through OAuth ([`NoConnector`] when no app is configured).
    pub connector: Arc<dyn AccountConnector>,
    /// The channels' attachment fetchers (and reply senders), per channel.
    pub deliveries: DeliveryRegistry,
    /// Sign-in, sessions and the public URL for invitation and reset links.
    pub people: PeopleSettings,
    /// Failed authentications per client address (429 past the budget).
    pub auth_throttle: Arc<AuthThrottle>,
    /// Resolves webhook hosts when endpoints are saved.
    pub webhook_resolver: Arc<dyn HostResolver>,
    /// Which webhook targets are allowed.
    pub webhook_settings: WebhookSettings,
}

impl AppState {
    /// The state on `ports`, with the default [`UncheckedCredentials`] check: EmpikPlace keys
    /// are stored and their integrations stay `pending` until a real check is wired in.
    pub fn new(ports: Ports) -> Self {
        Self {
            ports,
            credential_check: Arc::new(UncheckedCredentials),
            connector: Arc::new(NoConnector),
            deliveries: DeliveryRegistry::empty(),
            people: PeopleSettings::default(),
            auth_throttle: Arc::new(AuthThrottle::default()),
            webhook_resolver: Arc::new(SystemResolver),
            webhook_settings: WebhookSettings::default(),
        }
    }

    /// Replaces the webhook host resolver and settings (which targets are allowed).
    pub fn with_webhooks(
        mut self,
        resolver: Arc<dyn HostResolver>,
        settings: WebhookSettings,
    ) -> Self {
        self.webhook_resolver = resolver;
        self.webhook_settings = settings;
        self
    }

    /// Replaces the sign-in and session settings.
    pub fn with_people(mut self, people: PeopleSettings) -> Self {
        self.people = people;
        self
    }

    /// Replaces the failed-authentication limiter (its budget, refill and table size).
    pub fn with_auth_throttle(mut self, throttle: AuthThrottle) -> Self {
        self.auth_throttle = Arc::new(throttle);
        self
    }

    /// Replaces the channels' attachment fetchers.
    pub fn with_deliveries(mut self, deliveries: DeliveryRegistry) -> Self {
        self.deliveries = deliveries;
        self
    }

    /// Replaces the account connector (the Allegro channel's OAuth flows).
    pub fn with_connector(mut self, connector: Arc<dyn AccountConnector>) -> Self {
        self.connector = connector;
        self
    }

    /// Replaces the credential check (the EmpikPlace channel's A01 check).
    pub fn with_credential_check(mut self, check: Arc<dyn CredentialCheck>) -> Self {
        self.credential_check = check;
        self
    }
}

/// One route the API serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteInfo {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template with `{param}` segments, as in OpenAPI.
    pub path: &'static str,
    /// Whether the route needs an API key.
    pub needs_key: bool,
}

/// Every route of [`router`], in the order registered.
pub fn route_table() -> Vec<RouteInfo> {
    let public = routes::public()
        .table
        .into_iter()
        .map(|(method, path)| RouteInfo {
            method,
            path,
            needs_key: false,
        });
    let protected = routes::protected()
        .table
        .into_iter()
        .map(|(method, path)| RouteInfo {
            method,
            path,
            needs_key: true,
        });
    public.chain(protected).collect()
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let protected = routes::protected()
        .router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ));
    Router::new()
        .merge(routes::public().router)
        .merge(protected)
        .merge(web::routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(edge::guard))
        .with_state(state)
}
