//! The sender: delivers outbox replies to the marketplace, exactly once.
//!
//! Every attempt is recorded before the marketplace is called. When an earlier attempt's
//! outcome is unknown (a crash, a timeout, a 5xx after posting), the next attempt first looks
//! in the conversation for a seller message with the reply's text written since the first
//! attempt, and records that one instead of posting again.

use super::{autoresponder, decode_job, timeline, ServiceError};
use crate::domain::{AuthorKind, Integration, Reply, ReplyState, Ticket};
use crate::ids::{TenantId, TicketId};
use crate::jobs::OutboundJob;
use crate::ports::{
    Delivered, DeliveryRegistry, MarketplaceError, OutgoingFile, OutgoingReply, Ports,
};
use crate::repo::send_slots::{self, Slot};
use crate::repo::{files, integrations, is_conflict, replies, tickets, Versioned};
use chrono::Duration;

/// Attempts before a reply is marked failed (below the queues' five receives before the DLQ).
pub const MAX_ATTEMPTS: u32 = 4;
/// Longest a sender waits for its account's next posting slot before handing the job back.
const MAX_SLOT_WAIT: Duration = Duration::seconds(10);
/// Clock skew allowed between us and the marketplace when looking for an earlier attempt.
const SKEW: Duration = Duration::seconds(5);
/// How long an attempt under way keeps other workers away from the reply; after that it is
/// taken for crashed and its outcome is looked up on the marketplace.
const IN_FLIGHT: Duration = Duration::minutes(2);
/// How often a lost optimistic-update race is retried.
const UPDATE_ATTEMPTS: usize = 5;

/// What one outbound job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The marketplace has the reply now (posted, or found from an earlier attempt).
    Sent(Reply),
    /// The reply failed for good; `failure` says why.
    Failed(Reply),
    /// The reply was not wanted any more (see [`ReplyState::Cancelled`]).
    Cancelled(Reply),
    /// Nothing to do: the reply was sent or failed before (a redelivered job).
    AlreadySettled,
}

/// Handles one outbound job.
pub async fn run(
    ports: &Ports,
    deliveries: &DeliveryRegistry,
    job: &OutboundJob,
) -> Result<SendOutcome, ServiceError> {
    let store = &*ports.store;
    let tenant = &job.tenant_id;
    let stored = replies::get(store, &job.tenant_id, &job.ticket_id, &job.reply_id)
        .await?
        .ok_or_else(|| ServiceError::Gone(format!("reply {} no longer exists", job.reply_id)))?;
    if stored.value.state != ReplyState::Sending {
        if stored.value.state == ReplyState::Failed && !stored.value.failure_reported {
            // A worker marked it failed and stopped before telling anyone.
            settle_failure(ports, tenant, &stored.value).await?;
        }
        return Ok(SendOutcome::AlreadySettled);
    }
    let now = ports.clock.now();
    // The same job again means its worker died mid-attempt: no need to wait it out.
    let own_attempt = job.job.is_some() && stored.value.attempt_job == job.job;
    if !own_attempt
        && stored
            .value
            .attempt_started_at
            .is_some_and(|started| now - started < IN_FLIGHT)
    {
        return Err(ServiceError::Unavailable(format!(
            "reply {} is being sent by another worker",
            job.reply_id
        )));
    }
    let ticket = tickets::get(store, &job.tenant_id, &job.ticket_id)
        .await?
        .ok_or_else(|| ServiceError::Gone(format!("ticket {} no longer exists", job.ticket_id)))?
        .value;
    let Some(integration) = integrations::get(store, &job.tenant_id, &ticket.integration_id)
        .await?
        .map(|v| v.value)
    else {
        return fail(ports, tenant, stored, "the marketplace account was deleted").await;
    };
    let Some(channel) = deliveries.channel(ticket.conversation.kind.channel()) else {
        return fail(
            ports,
            tenant,
            stored,
            "this installation cannot send to this marketplace (no application configured)",
        )
        .await;
    };

    if let Some(first) = stored.value.first_attempt_at {
        let found = channel
            .find_delivered(&integration, &ticket, &stored.value.text, first - SKEW)
            .await
            .inspect_err(|error| {
                crate::metrics::marketplace_error(ticket.conversation.kind.channel(), error)
            });
        match found {
            Ok(Some(delivered))
                if !claimed_by_other(ports, &ticket, &stored.value, &delivered).await? =>
            {
                tracing::info!(reply = %stored.value.id, "an earlier attempt got through; recording it");
                return record_sent(ports, &ticket, stored, delivered).await;
            }
            Ok(_) => {}
            Err(
                error @ (MarketplaceError::Refused(_)
                | MarketplaceError::CredentialsRejected(_)
                | MarketplaceError::AccountBlocked(_)),
            ) => return fail(ports, tenant, stored, &failure_reason(&integration, &error)).await,
            Err(error) => return retry_later(ports, tenant, stored, error).await,
        }
    }
    if let Some(reason) = no_longer_wanted(ports, &ticket, &stored.value, now).await? {
        return cancel(ports, tenant, stored, &reason).await;
    }
    if !ticket.open_for_replies {
        return fail(
            ports,
            tenant,
            stored,
            "the marketplace conversation was closed before the reply could be sent",
        )
        .await;
    }
    // The slot is reserved first (a full queue answers Busy before an attempt is recorded),
    // but waited for only just before posting: the attempt's store writes in between would
    // otherwise shift this post towards the next one, and Allegro counts the gap between
    // the requests it receives.
    let mut post_at = None;
    if let Some(interval) = channel.min_interval() {
        let interval = Duration::from_std(interval).unwrap_or(Duration::seconds(1));
        match send_slots::reserve(
            store,
            &job.tenant_id,
            &integration.id,
            interval,
            MAX_SLOT_WAIT,
            ports.clock.now(),
        )
        .await?
        {
            Slot::Reserved(wait) => {
                post_at = Some(tokio::time::Instant::now() + wait.to_std().unwrap_or_default());
            }
            Slot::Busy(after) => {
                return Err(ServiceError::Marketplace(MarketplaceError::RateLimited {
                    retry_after: after.to_std().unwrap_or(std::time::Duration::from_secs(1)),
                }))
            }
        }
    }

    let attempt = begin_attempt(ports, tenant, stored, job.job.clone()).await?;
    let outgoing = outgoing(ports, &job.tenant_id, &attempt.value).await?;
    if let Some(post_at) = post_at {
        tokio::time::sleep_until(post_at).await;
    }
    let delivered = channel
        .deliver(&integration, &ticket, &outgoing)
        .await
        .inspect_err(|error| {
            crate::metrics::marketplace_error(ticket.conversation.kind.channel(), error)
        });
    match delivered {
        Ok(delivered) => record_sent(ports, &ticket, attempt, delivered).await,
        Err(error) => match error {
            MarketplaceError::Unavailable(_) | MarketplaceError::RateLimited { .. }
                if attempt.value.attempts < MAX_ATTEMPTS =>
            {
                retry_later(ports, tenant, attempt, error).await
            }
            other => {
                if let MarketplaceError::AccountBlocked(reason) = &other {
                    let id = &integration.id;
                    if let Err(error) =
                        super::account_log::account_blocked(ports, tenant, id, reason).await
                    {
                        tracing::warn!(integration = %id, %error, "blocked account not switched off yet; the next poll does it");
                    }
                }
                fail(
                    ports,
                    tenant,
                    attempt,
                    &failure_reason(&integration, &other),
                )
                .await
            }
        },
    }
}

/// Decodes a queue message body and runs it.
pub async fn handle_body(
    ports: &Ports,
    deliveries: &DeliveryRegistry,
    body: &str,
) -> Result<SendOutcome, ServiceError> {
    if super::order_updates::is_job(body) {
        // Order updates share the outbound queue (and its sender) with replies.
        let writer = deliveries.order_updates();
        super::order_updates::handle_body(ports, writer.as_deref(), body).await?;
        return Ok(SendOutcome::AlreadySettled);
    }
    if super::offer_commands::is_job(body) {
        // Offer plans and commands share the outbound queue too.
        let commands = deliveries.offer_commands();
        super::offer_commands::handle_body(ports, commands.as_deref(), body).await?;
        return Ok(SendOutcome::AlreadySettled);
    }
    let job: OutboundJob = decode_job(body)?;
    let outcome = run(ports, deliveries, &job).await?;
    let autoresponse = |reply: &Reply| reply.author == AuthorKind::Autoresponder;
    match &outcome {
        SendOutcome::Sent(reply) => crate::metrics::reply_sent(autoresponse(reply)),
        SendOutcome::Failed(_) => crate::metrics::reply_failed(),
        SendOutcome::Cancelled(reply) if autoresponse(reply) => {
            crate::metrics::autoresponses_skipped(1)
        }
        SendOutcome::Cancelled(_) | SendOutcome::AlreadySettled => {}
    }
    match &outcome {
        SendOutcome::Sent(reply) => {
            tracing::info!(reply = %reply.id, ticket = %reply.ticket_id, attempts = reply.attempts, "reply delivered")
        }
        SendOutcome::Failed(reply) => {
            tracing::warn!(reply = %reply.id, ticket = %reply.ticket_id, failure = reply.failure.as_deref().unwrap_or(""), "reply failed")
        }
        SendOutcome::Cancelled(reply) => {
            tracing::info!(reply = %reply.id, ticket = %reply.ticket_id, reason = reply.failure.as_deref().unwrap_or(""), "reply cancelled")
        }
        SendOutcome::AlreadySettled => {
            tracing::info!(reply = %job.reply_id, "reply settled before; nothing to do")
        }
    }
    Ok(outcome)
}

/// The words an agent sees for a final failure.
fn failure_reason(integration: &Integration, error: &MarketplaceError) -> String {
    match error {
        MarketplaceError::CredentialsRejected(reason) => format!(
            "the marketplace refused the account's credentials ({reason}); reconnect \"{}\" and retry",
            integration.display_name
        ),
        MarketplaceError::Refused(reason) => format!("the marketplace refused the reply: {reason}"),
        MarketplaceError::AccountBlocked(reason) => format!(
            "the marketplace reports the seller account \"{}\" blocked ({reason}); it was switched off",
            integration.display_name
        ),
        MarketplaceError::Unavailable(reason) => format!(
            "the marketplace stayed unavailable after {MAX_ATTEMPTS} attempts: {reason}"
        ),
        MarketplaceError::RateLimited { .. } => format!(
            "the marketplace kept asking to slow down after {MAX_ATTEMPTS} attempts"
        ),
    }
}

/// Whether another reply of the ticket already recorded this marketplace message (two
/// replies with the same text).
async fn claimed_by_other(
    ports: &Ports,
    ticket: &Ticket,
    reply: &Reply,
    delivered: &Delivered,
) -> Result<bool, ServiceError> {
    Ok(
        replies::of_ticket(&*ports.store, &ticket.tenant_id, &ticket.id)
            .await?
            .iter()
            .any(|r| r.id != reply.id && r.external_id.as_deref() == Some(&delivered.external_id)),
    )
}

/// Counts the attempt in the store before calling the marketplace.
async fn begin_attempt(
    ports: &Ports,
    tenant: &TenantId,
    stored: Versioned<Reply>,
    job: Option<String>,
) -> Result<Versioned<Reply>, ServiceError> {
    let mut reply = stored.value;
    let now = ports.clock.now();
    reply.attempts += 1;
    reply.attempt_job = job;
    reply.first_attempt_at.get_or_insert(now);
    reply.attempt_started_at = Some(now);
    match replies::update(&*ports.store, tenant, &reply, stored.version).await {
        Ok(()) => Ok(Versioned {
            value: reply,
            version: stored.version + 1,
        }),
        // Another sender works on it (a duplicate job): let that one finish.
        Err(e) if is_conflict(&e) => Err(ServiceError::Unavailable(format!(
            "reply {} is being sent by another worker",
            reply.id
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The reply with its file, as the channel sends it.
async fn outgoing(
    ports: &Ports,
    tenant: &TenantId,
    reply: &Reply,
) -> Result<OutgoingReply, ServiceError> {
    let attachment = match &reply.attachment {
        Some(file) => Some(OutgoingFile {
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            data: files::get(&*ports.store, tenant, &reply.ticket_id, &reply.id, file).await?,
        }),
        None => None,
    };
    Ok(OutgoingReply {
        reply_id: reply.id.clone(),
        text: reply.text.clone(),
        attachment,
        ask_to_confirm: reply.ask_to_confirm,
    })
}

/// Records the last error and hands the job back to the queue.
async fn retry_later(
    ports: &Ports,
    tenant: &TenantId,
    stored: Versioned<Reply>,
    error: MarketplaceError,
) -> Result<SendOutcome, ServiceError> {
    let mut reply = stored.value.clone();
    reply.failure = Some(format!("retrying: {error}"));
    reply.attempt_started_at = None;
    reply.attempt_job = None;
    if let Err(e) = replies::update(&*ports.store, tenant, &reply, stored.version).await {
        if !is_conflict(&e) {
            return Err(e.into());
        }
    }
    Err(ServiceError::Marketplace(error))
}

/// Why a reply waiting to be sent is no longer wanted: past its `not_after`, or an
/// autoresponse whose buyer already got a seller's answer or whose conversation closed.
async fn no_longer_wanted(
    ports: &Ports,
    ticket: &Ticket,
    reply: &Reply,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, ServiceError> {
    if reply.not_after.is_some_and(|limit| now > limit) {
        return Ok(Some(
            "its time ran out (an autoresponse goes out within 60 minutes of the buyer's message or not at all)".into(),
        ));
    }
    if reply.author != AuthorKind::Autoresponder {
        return Ok(None);
    }
    let Some(plan) = &ticket.autoreply else {
        return Ok(None);
    };
    let entries = timeline::load(&*ports.store, &ticket.tenant_id, &ticket.id).await?;
    Ok(autoresponder::plan::reason_to_skip(
        plan, ticket, &entries, now,
    ))
}

/// Marks the reply cancelled: it is not wanted any more.
async fn cancel(
    ports: &Ports,
    tenant: &TenantId,
    stored: Versioned<Reply>,
    reason: &str,
) -> Result<SendOutcome, ServiceError> {
    let mut reply = stored.value;
    reply.state = ReplyState::Cancelled;
    reply.failure = Some(reason.to_owned());
    reply.attempt_started_at = None;
    reply.attempt_job = None;
    replies::update(&*ports.store, tenant, &reply, stored.version).await?;
    Ok(SendOutcome::Cancelled(reply))
}

/// Marks the reply failed for good, then settles the failure (see [`settle_failure`]).
async fn fail(
    ports: &Ports,
    tenant: &TenantId,
    stored: Versioned<Reply>,
    reason: &str,
) -> Result<SendOutcome, ServiceError> {
    let mut reply = stored.value;
    reply.state = ReplyState::Failed;
    reply.failure = Some(reason.to_owned());
    reply.attempt_started_at = None;
    reply.attempt_job = None;
    reply.failure_reported = false;
    replies::update(&*ports.store, tenant, &reply, stored.version).await?;
    settle_failure(ports, tenant, &reply).await?;
    Ok(SendOutcome::Failed(reply))
}

/// What follows a failed reply: its ticket needs a reply again (and shows `delivery:
/// failed`), and the integration's alert addresses hear about it once. Safe to repeat.
pub async fn settle_failure(
    ports: &Ports,
    tenant: &TenantId,
    reply: &Reply,
) -> Result<(), ServiceError> {
    refresh_ticket(ports, tenant, &reply.ticket_id).await?;
    super::alerts::reply_failed(ports, tenant, &reply.ticket_id, &reply.id).await
}

/// Marks the reply sent and brings the ticket's summary up to date.
async fn record_sent(
    ports: &Ports,
    ticket: &Ticket,
    stored: Versioned<Reply>,
    delivered: Delivered,
) -> Result<SendOutcome, ServiceError> {
    let mut reply = stored.value;
    reply.state = ReplyState::Sent;
    reply.external_id = Some(delivered.external_id);
    reply.sent_at = Some(delivered.created_at);
    reply.failure = None;
    reply.attempt_started_at = None;
    reply.attempt_job = None;
    replies::update(&*ports.store, &ticket.tenant_id, &reply, stored.version).await?;
    super::events::emit(
        ports,
        &ticket.tenant_id,
        super::events::Event::reply_sent(&reply),
    )
    .await;
    refresh_ticket(ports, &ticket.tenant_id, &ticket.id).await?;
    if reply.author == AuthorKind::Autoresponder {
        if let Some(integration) =
            integrations::get(&*ports.store, &ticket.tenant_id, &ticket.integration_id).await?
        {
            autoresponder::notify::after_sent(ports, ticket, &integration.value, &reply).await?;
        }
    }
    Ok(SendOutcome::Sent(reply))
}

/// Recomputes the ticket's summary (last author, latest reply's delivery, needs-reply,
/// status) from its timeline and the integration's status mapping.
pub async fn refresh_ticket(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
) -> Result<(), ServiceError> {
    let store = &*ports.store;
    for _ in 0..UPDATE_ATTEMPTS {
        let Some(stored) = tickets::get(store, tenant, ticket_id).await? else {
            return Ok(());
        };
        let settings = integrations::get(store, tenant, &stored.value.integration_id)
            .await?
            .map(|i| i.value.settings);
        let mut updated = stored.value.clone();
        let (entries, replies) = timeline::load_with_replies(store, tenant, ticket_id).await?;
        super::workflow::summarize(
            &mut updated,
            &entries,
            &replies,
            settings.as_ref(),
            ports.clock.now(),
        );
        if updated == stored.value {
            return Ok(());
        }
        match tickets::update(store, &updated, stored.version).await {
            Ok(()) => return Ok(()),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "ticket {ticket_id} kept changing; its summary is refreshed on the next event"
    )))
}
