//! Ingest: turns a marketplace conversation event into a ticket with its messages.
//!
//! Idempotent: the conversation's marketplace id guards ticket creation and each message is
//! keyed by its marketplace id, so redelivered or overlapping events change nothing.

use super::{autoresponder, ServiceError};
use crate::domain::{Integration, Message, Ticket, TicketPanel};
use crate::ids::{CustomerId, MessageId, TicketId};
use crate::jobs::{InboundDelivery, InboundEvent};
use crate::ports::Ports;
use crate::repo::{integrations, tickets, RepoError};
use crate::status::{self, ticket_status};
use chrono::{DateTime, Utc};

/// How often a lost optimistic-update race is retried before giving up (the queue retries later).
const UPDATE_ATTEMPTS: usize = 5;

/// What one ingested event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    /// The conversation's ticket.
    pub ticket_id: TicketId,
    /// Whether this event created the ticket.
    pub created: bool,
    /// Messages not seen before.
    pub new_messages: usize,
}

/// Applies one inbound event whose reading time is unknown (its state always applies).
pub async fn run(ports: &Ports, event: &InboundEvent) -> Result<IngestOutcome, ServiceError> {
    run_observed(ports, event, None).await
}

/// Applies one inbound event read at `observed_at`: its messages always merge; its
/// marketplace state applies only if no newer reading was applied before (reordered delivery).
pub async fn run_observed(
    ports: &Ports,
    event: &InboundEvent,
    observed_at: Option<DateTime<Utc>>,
) -> Result<IngestOutcome, ServiceError> {
    let store = &*ports.store;
    let integration = integrations::get(store, &event.tenant_id, &event.integration_id)
        .await?
        .ok_or_else(|| {
            ServiceError::Gone(format!(
                "integration {} no longer exists",
                event.integration_id
            ))
        })?
        .value;

    let (ticket_id, created) =
        match tickets::find_by_conversation(store, &event.tenant_id, &event.conversation).await? {
            Some(id) => (id, false),
            None => {
                let mut fresh = new_ticket(&integration, event, ports.clock.now());
                fresh.customer_id = link_customer(ports, &integration, event).await?;
                let id = tickets::create_for_conversation(store, &fresh).await?;
                let created = id == fresh.id;
                (id, created)
            }
        };

    let mut messages = event.messages.clone();
    messages.sort_by_key(|m| m.created_at);
    let mut added = Vec::new();
    let mut new_texts = Vec::new();
    for inbound in &messages {
        let message = Message {
            actor: None,
            id: MessageId::generate(),
            ticket_id: ticket_id.clone(),
            external_id: Some(inbound.external_id.clone()),
            author: inbound.author,
            author_name: inbound.author_name.clone(),
            text: inbound.text.clone(),
            attachments: inbound.attachments.clone(),
            created_at: inbound.created_at,
            delivery: None,
        };
        let unique_id = format!("X{}", inbound.external_id);
        if tickets::add_message(store, &event.tenant_id, &message, &unique_id).await? {
            new_texts.push(crate::ports::TextDoc {
                key: unique_id,
                text: inbound.text.clone(),
            });
            added.push(message);
        }
    }

    update_ticket(ports, &integration, event, observed_at, &ticket_id).await?;
    super::search::index_ingested(ports, event, &ticket_id, &new_texts).await?;
    super::events::after_ingest(ports, &event.tenant_id, &ticket_id, created, &added).await;
    crate::metrics::ingested(event.conversation.kind.channel(), created, added.len());
    Ok(IngestOutcome {
        ticket_id,
        created,
        new_messages: added.len(),
    })
}

/// Finds the buyer in the CRM by the integration's custom field, or creates them with it
/// filled in (`buyers::find_or_create`). No field configured: the ticket shows the buyer by
/// login only.
async fn link_customer(
    ports: &Ports,
    integration: &Integration,
    event: &InboundEvent,
) -> Result<Option<CustomerId>, ServiceError> {
    let buyer = super::buyers::Buyer {
        login: event.buyer_login.clone(),
        name: event.buyer_name.clone(),
        emails: event.buyer_emails.clone(),
    };
    Ok(super::buyers::find_or_create(
        ports,
        &event.tenant_id,
        &integration.settings.crm_field,
        &buyer,
    )
    .await?)
}

fn new_ticket(
    integration: &Integration,
    event: &InboundEvent,
    now: chrono::DateTime<chrono::Utc>,
) -> Ticket {
    Ticket {
        id: TicketId::generate(),
        tenant_id: event.tenant_id.clone(),
        integration_id: event.integration_id.clone(),
        conversation: event.conversation.clone(),
        source: event.conversation.kind.source(),
        subject: event.subject.clone(),
        status: ticket_status(
            &event.marketplace_status,
            &integration.settings.status_mapping,
        ),
        marketplace_status: event.marketplace_status.clone(),
        open_for_replies: event.open_for_replies,
        marketplace_observed_at: None,
        queue: integration.settings.ticket_queue.clone(),
        category: integration.settings.ticket_category.clone(),
        buyer_login: event.buyer_login.clone(),
        customer_id: None,
        order_id: event.order_id.clone(),
        panel: event.panel.clone(),
        last_author: None,
        needs_reply: false,
        delivery: None,
        created_at: now,
        updated_at: now,
        opening: 1,
        opening_after: None,
        closed_at: (!event.open_for_replies).then_some(now),
        decided_at: None,
        autoreply: None,
        preview: None,
        shop_reply_needed_since: event.shop_reply_needed_since,
        workflow: Default::default(),
    }
}

/// Brings the ticket's marketplace state and last-message summary up to date.
async fn update_ticket(
    ports: &Ports,
    integration: &Integration,
    event: &InboundEvent,
    observed_at: Option<DateTime<Utc>>,
    ticket_id: &TicketId,
) -> Result<(), ServiceError> {
    let store = &*ports.store;
    for _ in 0..UPDATE_ATTEMPTS {
        let stored = tickets::get(store, &event.tenant_id, ticket_id)
            .await?
            .ok_or_else(|| ServiceError::Gone(format!("ticket {ticket_id} vanished")))?;
        let mut ticket = stored.value.clone();
        let is_latest = match (observed_at, stored.value.marketplace_observed_at) {
            (Some(now), Some(applied)) => now >= applied,
            _ => true,
        };
        let was_open = stored.value.open_for_replies;
        if is_latest {
            // A dispute may turn into a claim under the same issue id.
            ticket.conversation.kind = event.conversation.kind;
            ticket.marketplace_status = event.marketplace_status.clone();
            ticket.status = ticket_status(
                &event.marketplace_status,
                &integration.settings.status_mapping,
            );
            ticket.open_for_replies = event.open_for_replies;
            ticket.shop_reply_needed_since = event.shop_reply_needed_since;
            if observed_at.is_some() {
                ticket.marketplace_observed_at = observed_at;
            }
        }
        if ticket.order_id.is_none() {
            ticket.order_id = event.order_id.clone();
        }
        if is_latest && event.panel != TicketPanel::default() {
            ticket.panel = event.panel.clone();
        }
        let now = ports.clock.now();
        autoresponder::plan::track_opening(&mut ticket, was_open, now);
        status::track_decision(&mut ticket, observed_at.unwrap_or(now));
        let (timeline, replies) =
            super::timeline::load_with_replies(store, &event.tenant_id, ticket_id).await?;
        super::workflow::summarize(
            &mut ticket,
            &timeline,
            &replies,
            Some(&integration.settings),
            now,
        );
        autoresponder::plan::plan(
            &mut ticket,
            &timeline,
            &integration.settings.autoresponder,
            now,
        );
        if ticket == stored.value {
            return Ok(());
        }
        if ticket.marketplace_status != stored.value.marketplace_status {
            ticket.updated_at = ticket.updated_at.max(ports.clock.now());
        }
        match tickets::update(store, &ticket, stored.version).await {
            Ok(()) => {
                autoresponder::wake::answer_now_or_wake(ports, &stored.value, &ticket).await;
                return Ok(());
            }
            Err(e) if crate::repo::is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Repo(RepoError::Store(
        crate::ports::StoreError::Unavailable(format!(
            "ticket {ticket_id} kept changing; will retry"
        )),
    )))
}

/// Handles one message of the inbound queue: an autoresponse wake-up
/// (`autoresponder::wake`) or a conversation event.
pub async fn handle_job(ports: &Ports, body: &str) -> Result<(), ServiceError> {
    if autoresponder::wake::is_job(body) {
        autoresponder::wake::handle_body(ports, body)
            .await
            .map(|_| ())
    } else {
        handle_body(ports, body).await.map(|_| ())
    }
}

/// Decodes a queue message body and ingests it.
pub async fn handle_body(ports: &Ports, body: &str) -> Result<IngestOutcome, ServiceError> {
    let delivery: InboundDelivery = super::decode_job(body)?;
    let outcome = run_observed(ports, &delivery.event, delivery.observed_at).await?;
    tracing::info!(ticket = %outcome.ticket_id, created = outcome.created, new_messages = outcome.new_messages, "event ingested");
    Ok(outcome)
}
