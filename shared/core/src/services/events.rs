//! Events for webhooks: what happened in a tenant, emitted once by the service that did it
//! and delivered to every active endpoint subscribed to it (`services::webhooks`).
//!
//! ```ignore
//! events::emit(ports, &ticket.tenant_id, Event::ticket_updated(&ticket)).await;
//! ```
//!
//! Emitting never fails the work that caused it: an endpoint list that cannot be read or a
//! delivery that cannot be queued is logged (that event is then not delivered to it). Once
//! queued, a delivery is attempted at least once and retried with back-off.

use super::webhooks;
use crate::domain::{AuthorKind, EventType, Integration, Message, Reply, Ticket};
use crate::ids::{TenantId, TicketId};
use crate::ports::Ports;
use crate::repo::{tickets, webhooks as repo};
use serde_json::{json, Value};

/// An event: its type and what the receiver gets as `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What happened.
    pub kind: EventType,
    /// The event's data (`data` in the payload).
    pub data: Value,
}

impl Event {
    /// A marketplace conversation became a ticket.
    pub fn ticket_created(ticket: &Ticket) -> Self {
        Self {
            kind: EventType::TicketCreated,
            data: json!({ "ticket": ticket }),
        }
    }

    /// A ticket changed (status, assignment, fields); `changes` names what changed.
    pub fn ticket_updated(ticket: &Ticket, changes: &[&str]) -> Self {
        Self {
            kind: EventType::TicketUpdated,
            data: json!({ "ticket": ticket, "changes": changes }),
        }
    }

    /// A new message arrived from the marketplace on a ticket.
    pub fn message_received(ticket: &Ticket, message: &Message) -> Self {
        Self {
            kind: EventType::MessageReceived,
            data: json!({ "ticket_id": ticket.id, "integration_id": ticket.integration_id, "message": message }),
        }
    }

    /// A reply reached the marketplace.
    pub fn reply_sent(reply: &Reply) -> Self {
        Self {
            kind: EventType::ReplySent,
            data: json!({ "ticket_id": reply.ticket_id, "reply": reply }),
        }
    }

    /// A reply could not be sent.
    pub fn reply_failed(reply: &Reply) -> Self {
        Self {
            kind: EventType::ReplyFailed,
            data: json!({ "ticket_id": reply.ticket_id, "reply": reply }),
        }
    }

    /// An integration lost its marketplace authorization.
    pub fn integration_disconnected(integration: &Integration, reason: &str) -> Self {
        Self {
            kind: EventType::IntegrationDisconnected,
            data: json!({ "integration": integration, "reason": reason }),
        }
    }
}

/// Emits what one ingested event brought: `ticket.created` for a new ticket and
/// `message.received` for each new marketplace message (the marketplace's copies of
/// marketdesk's own replies aside: those were `reply.sent`).
pub async fn after_ingest(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    created: bool,
    added: &[Message],
) {
    let ours = |m: &&Message| {
        matches!(
            m.author,
            AuthorKind::SellerViaMarketdesk | AuthorKind::Autoresponder
        )
    };
    if !created && added.iter().all(|m| ours(&m)) {
        return;
    }
    let ticket = match tickets::get(&*ports.store, tenant, ticket_id).await {
        Ok(Some(read)) => read.value,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(tenant = %tenant, ticket = %ticket_id, %error, "ticket not read; its events are not delivered");
            return;
        }
    };
    if created {
        emit(ports, tenant, Event::ticket_created(&ticket)).await;
    }
    for message in added.iter().filter(|m| !ours(m)) {
        emit(ports, tenant, Event::message_received(&ticket, message)).await;
    }
}

/// Queues `event` for every active endpoint of `tenant` subscribed to it; returns how many
/// deliveries were queued. Costs one store query when the tenant has no endpoints.
pub async fn emit(ports: &Ports, tenant: &TenantId, event: Event) -> usize {
    let endpoints = match repo::list(&*ports.store, tenant).await {
        Ok(endpoints) => endpoints,
        Err(error) => {
            tracing::error!(tenant = %tenant, event = event.kind.as_str(), %error, "webhook endpoints not read; event not delivered");
            return 0;
        }
    };
    let subscribed: Vec<_> = endpoints
        .into_iter()
        .filter(|w| w.active && w.events.contains(&event.kind))
        .collect();
    if subscribed.is_empty() {
        return 0;
    }
    let event_id = uuid::Uuid::now_v7().simple().to_string();
    let payload = webhooks::envelope(&event_id, event.kind, tenant, ports.clock.now(), event.data);
    let mut queued = 0;
    for webhook in &subscribed {
        match webhooks::queue_delivery(ports, webhook, &event_id, event.kind, payload.clone()).await
        {
            Ok(_) => queued += 1,
            Err(error) => {
                tracing::error!(tenant = %tenant, webhook = %webhook.id, event = event.kind.as_str(), %error, "webhook delivery not queued");
            }
        }
    }
    queued
}
