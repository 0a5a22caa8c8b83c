//! Notices to an integration's `alert_emails`: things a person has to act on (an account that
//! needs re-authentication, a reply that could not be sent).

use super::ServiceError;
use crate::domain::{AuthorKind, Integration, Reply, ReplyState};
use crate::ids::{MessageId, TenantId, TicketId};
use crate::ports::{Notification, NotifyError, Ports};
use crate::repo::{integrations, is_conflict, replies, tickets};

/// How often a lost race on the reply is retried.
const ATTEMPTS: usize = 5;

/// Sends a notice to the integration's alert addresses; `Ok(false)` when it has none.
pub async fn send(
    ports: &Ports,
    integration: &Integration,
    subject: String,
    body: String,
) -> Result<bool, NotifyError> {
    if integration.settings.alert_emails.is_empty() {
        return Ok(false);
    }
    let notification = Notification {
        to: integration.settings.alert_emails.clone(),
        subject,
        body,
    };
    ports.notifier.notify(&notification).await?;
    Ok(true)
}

/// Reports a failed reply to its integration's alert addresses, once per failure: the reply
/// is marked reported before the notice goes out, so redelivered jobs and concurrent workers
/// send no second one. When the notifier is unavailable the mark is taken back and the caller
/// hears `Unavailable` (the sender's job is then redelivered and tries again); an unusable
/// notice (a bad address) is logged and not retried.
pub async fn reply_failed(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    reply_id: &MessageId,
) -> Result<(), ServiceError> {
    let Some(reply) = claim_report(ports, tenant, ticket_id, reply_id, true).await? else {
        return Ok(());
    };
    let store = &*ports.store;
    let Some(ticket) = tickets::get(store, tenant, ticket_id)
        .await?
        .map(|t| t.value)
    else {
        return Ok(());
    };
    let Some(integration) = integrations::get(store, tenant, &ticket.integration_id)
        .await?
        .map(|i| i.value)
    else {
        return Ok(());
    };
    let reason = reply.failure.as_deref().unwrap_or("no reason was recorded");
    let subject = format!(
        "marketdesk: a reply to {} could not be sent ({})",
        ticket.buyer_login, integration.display_name
    );
    let body = format!(
        "A reply in ticket {ticket} (\"{subject}\", buyer {buyer}, {shop}) could not be sent.\n\
         Reason: {reason}\n\
         Written by: {author}\n\n\
         The ticket needs a reply again. Send it again with\n\
         POST /v1/tickets/{ticket}/replies/{reply_id}/retry\n\
         or write a new one. Text that was not sent:\n{text}\n",
        ticket = ticket.id,
        subject = ticket.subject,
        buyer = ticket.buyer_login,
        shop = integration.display_name,
        author = match (reply.author, reply.author_name.as_deref()) {
            (AuthorKind::Autoresponder, _) => "the autoresponder",
            (_, Some(name)) => name,
            (_, None) => "an agent",
        },
        text = reply.text,
    );
    match send(ports, &integration, subject, body).await {
        Ok(_) => {
            super::events::emit(ports, tenant, super::events::Event::reply_failed(&reply)).await;
            Ok(())
        }
        Err(NotifyError::Invalid(problem)) => {
            tracing::warn!(ticket = %ticket_id, reply = %reply_id, %problem, "the failed-reply notice cannot be sent");
            super::events::emit(ports, tenant, super::events::Event::reply_failed(&reply)).await;
            Ok(())
        }
        Err(NotifyError::Unavailable(problem)) => {
            claim_report(ports, tenant, ticket_id, reply_id, false).await?;
            Err(ServiceError::Unavailable(format!(
                "the notice about failed reply {reply_id} could not be sent: {problem}"
            )))
        }
    }
}

/// Sets the failed reply's `failure_reported` to `reported` if it is not already; the reply as
/// changed, `None` when there was nothing to change (not failed, or already so marked).
async fn claim_report(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    reply_id: &MessageId,
    reported: bool,
) -> Result<Option<Reply>, ServiceError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = replies::get(store, tenant, ticket_id, reply_id).await? else {
            return Ok(None);
        };
        if stored.value.state != ReplyState::Failed || stored.value.failure_reported == reported {
            return Ok(None);
        }
        let mut reply = stored.value;
        reply.failure_reported = reported;
        match replies::update(store, tenant, &reply, stored.version).await {
            Ok(()) => return Ok(Some(reply)),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "reply {reply_id} kept changing; its failure is reported on redelivery"
    )))
}
