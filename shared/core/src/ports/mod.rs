//! The ports: what the domain needs from the outside world, as small traits.
//!
//! Every port has two adapters: AWS (`marketdesk-aws`) and embedded (`marketdesk-local`).
//! The conformance suite (`crate::conformance`, feature `conformance`) holds both to one contract.

pub mod budget;
pub mod call_budget;
pub mod clock;
pub mod connector;
pub mod credentials;
pub mod delivery;
pub mod heartbeat;
pub mod marketplace;
pub mod marketplace_error;
pub mod notifier;
pub mod oauth;
pub mod offers;
pub mod order_updates;
pub mod orders;
pub mod queue;
pub mod secrets;
pub mod store;
pub mod text_index;
pub mod tokens;
pub mod webhook;

use std::sync::Arc;

pub use budget::{Admission, BudgetBlock, BudgetError, MemoryBudget, RateBudget};
pub use call_budget::CallBudget;
pub use clock::{Clock, ManualClock, SystemClock};
pub use connector::{AccountConnector, ConnectFailure, DeviceAuthorizationInfo, NoConnector};
pub use credentials::{
    CredentialCheck, CredentialCheckError, CredentialVerdict, UncheckedCredentials,
};
pub use delivery::{
    ByteStream, Delivered, DeliveryRegistry, FetchedFile, OutgoingFile, OutgoingReply, ReplyChannel,
};
pub use marketplace::{ConversationSource, MarketplaceRegistry, Marketplaces, PollBatch};
pub use marketplace_error::MarketplaceError;
pub use notifier::{Notification, Notifier, NotifyError};
pub use oauth::{AuthorizationRequest, DevicePoll, DeviceStart, Grant, OAuthProvider};
pub use queue::{Queue, QueueError, QueueMessage, QueueStats};
pub use secrets::{SecretName, Secrets, SecretsError};
pub use store::{
    Condition, Index, IndexKey, Item, Key, Page, PageCursor, Query, SortKeyCondition, Store,
    StoreError, WriteOp,
};
pub use text_index::{TextDoc, TextIndex, TextIndexError};
pub use tokens::{AccessTokens, ApiKeys, RefreshError, TokenRefresher, TokenSet};
pub use webhook::{
    AddressPolicy, HostResolver, SystemResolver, TransportError, WebhookRequest, WebhookResponse,
    WebhookTransport,
};

/// The work queues between the functions (each backed by a dead-letter queue).
#[derive(Clone)]
pub struct Queues {
    /// Scheduler → poller: one job per integration and channel.
    pub poll_jobs: Arc<dyn Queue>,
    /// Poller → ingest: conversation events read from a marketplace.
    pub inbound: Arc<dyn Queue>,
    /// API → sender: replies and autoresponses to deliver (the outbox).
    pub outbound: Arc<dyn Queue>,
    /// Events → sender: one webhook delivery attempt per message (retries come back delayed).
    pub webhooks: Arc<dyn Queue>,
}

/// Every port, wired once at start-up and shared by handlers.
#[derive(Clone)]
pub struct Ports {
    /// Items: tenants, integrations, tickets, messages, customers, cursors.
    pub store: Arc<dyn Store>,
    /// Work queues between the functions.
    pub queues: Queues,
    /// Marketplace credentials and token pairs.
    pub secrets: Arc<dyn Secrets>,
    /// E-mail (or log) notifications to people.
    pub notifier: Arc<dyn Notifier>,
    /// Time, settable in tests.
    pub clock: Arc<dyn Clock>,
    /// Words of tickets for search (FTS5 locally, word items on AWS).
    pub text_index: Arc<dyn TextIndex>,
    /// Marketplace calls per application or shop, shared by every worker (in memory locally,
    /// DynamoDB items on AWS); see `services::budget`.
    pub budget: Arc<dyn RateBudget>,
}
