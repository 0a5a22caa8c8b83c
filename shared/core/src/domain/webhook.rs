//! Webhooks: a tenant's HTTP endpoints that receive signed events, and the log of deliveries.

use crate::config::{ConfigError, Env};
use crate::ids::TenantId;
use crate::ports::AddressPolicy;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What happened, as a webhook receiver is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A marketplace conversation became a ticket.
    #[serde(rename = "ticket.created")]
    TicketCreated,
    /// A new message arrived from the marketplace (buyer, marketplace staff or notice).
    #[serde(rename = "message.received")]
    MessageReceived,
    /// A ticket's status, assignment or other fields changed.
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    /// A reply (or autoresponse) reached the marketplace.
    #[serde(rename = "reply.sent")]
    ReplySent,
    /// A reply could not be sent.
    #[serde(rename = "reply.failed")]
    ReplyFailed,
    /// An integration lost its marketplace authorization.
    #[serde(rename = "integration.disconnected")]
    IntegrationDisconnected,
    /// An order was made of a paid checkout form (with its customer as the ERP gets it).
    #[serde(rename = "order.created")]
    OrderCreated,
    /// A test delivery (`POST /v1/webhooks/{id}/test`); every endpoint gets it when asked.
    #[serde(rename = "ping")]
    Ping,
}

impl EventType {
    /// The events an endpoint can subscribe to (every one but `ping`).
    pub const SUBSCRIBABLE: [EventType; 7] = [
        EventType::TicketCreated,
        EventType::MessageReceived,
        EventType::TicketUpdated,
        EventType::ReplySent,
        EventType::ReplyFailed,
        EventType::IntegrationDisconnected,
        EventType::OrderCreated,
    ];

    /// The event's name (`ticket.created`), as sent in `X-Marketdesk-Event`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TicketCreated => "ticket.created",
            EventType::MessageReceived => "message.received",
            EventType::TicketUpdated => "ticket.updated",
            EventType::ReplySent => "reply.sent",
            EventType::ReplyFailed => "reply.failed",
            EventType::IntegrationDisconnected => "integration.disconnected",
            EventType::OrderCreated => "order.created",
            EventType::Ping => "ping",
        }
    }
}

/// An event an endpoint can subscribe to: the document's name of [`EventType::SUBSCRIBABLE`]
/// (every event but `ping`).
#[cfg(feature = "openapi")]
pub struct SubscribableEvent;

#[cfg(feature = "openapi")]
impl<'s> utoipa::ToSchema<'s> for SubscribableEvent {
    fn schema() -> (
        &'s str,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    ) {
        let names = EventType::SUBSCRIBABLE.map(EventType::as_str);
        let schema = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::SchemaType::String)
            .enum_values(Some(names))
            .description(Some("An event an endpoint can subscribe to."))
            .build();
        ("SubscribableEvent", schema.into())
    }
}

/// A tenant's webhook endpoint. Its signing secret is kept through the secrets port and
/// never appears here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// The endpoint's id.
    pub id: String,
    /// The tenant whose events it receives.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// Where events are posted (http or https).
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
    /// The events it receives.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<SubscribableEvent>))]
    pub events: Vec<EventType>,
    /// Off: nothing is sent (deliveries already queued are dropped).
    pub active: bool,
    /// A note for admins.
    pub description: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When the signing secret was last replaced.
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// Until when deliveries are also signed with the secret before the last rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Queued for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed, or the target was refused.
    Failed,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    /// When it started.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did (no answer, a refused address, a non-2xx status).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The start of the receiver's answer: at most 1 KiB of it.
    pub response_excerpt: Option<String>,
}

/// One event sent (or being sent) to one endpoint, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The delivery's id, sent as `X-Marketdesk-Delivery` (the same on every attempt: the
    /// receiver's idempotency key).
    pub id: String,
    /// The endpoint.
    pub webhook_id: String,
    /// The event's id (one event to several endpoints shares it).
    pub event_id: String,
    /// What happened.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub event: EventType,
    /// Where the delivery stands.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub state: DeliveryState,
    /// The attempts so far, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// The JSON body posted (the same on every attempt).
    pub payload: String,
}

/// How deliveries are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Which addresses endpoints may have.
    pub policy: AddressPolicy,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// The waits after the 1st, 2nd, … failed attempt; one attempt more than waits is made.
    pub retry_delays: Vec<Duration>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            policy: AddressPolicy::default(),
            timeout: Duration::from_secs(10),
            // 6 attempts over about 10.5 hours.
            retry_delays: vec![
                minutes(1),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(480),
            ],
        }
    }
}

impl WebhookSettings {
    /// The settings from `MARKETDESK_WEBHOOKS_ALLOW_PRIVATE` (default: refuse private targets).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let mut settings = Self::default();
        if let Some(allow) = env.flag("MARKETDESK_WEBHOOKS_ALLOW_PRIVATE")? {
            settings.policy.allow_private = allow;
        }
        Ok(settings)
    }

    /// The most attempts one delivery gets.
    pub fn max_attempts(&self) -> usize {
        self.retry_delays.len() + 1
    }
}
