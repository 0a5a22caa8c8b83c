//! After an autoresponse reached the buyer: the plan is marked sent and the configured
//! addresses hear about it.

use crate::domain::{AutoreplyState, Integration, Reply, Ticket};
use crate::ports::{Notification, Ports};
use crate::repo::{is_conflict, tickets};
use crate::services::ServiceError;

/// How often a lost race on the ticket is retried.
const ATTEMPTS: usize = 5;

/// Marks the ticket's plan sent and e-mails the integration's autoresponder addresses. A
/// notifier failure is logged, not retried: the buyer has the answer, and the ticket shows it.
pub async fn after_sent(
    ports: &Ports,
    ticket: &Ticket,
    integration: &Integration,
    reply: &Reply,
) -> Result<(), ServiceError> {
    mark_sent(ports, ticket, reply).await?;
    let to = integration.settings.autoresponder.notify.clone();
    if to.is_empty() {
        return Ok(());
    }
    let notification = Notification {
        to,
        subject: format!(
            "marketdesk: autoresponse sent to {} ({})",
            ticket.buyer_login, integration.display_name
        ),
        body: format!(
            "The autoresponder answered {buyer} in \"{subject}\" on {shop}.\n\
             The ticket still needs a person: {ticket}\n\n\
             Sent text:\n{text}\n",
            buyer = ticket.buyer_login,
            subject = ticket.subject,
            shop = integration.display_name,
            ticket = ticket.id,
            text = reply.text,
        ),
    };
    if let Err(error) = ports.notifier.notify(&notification).await {
        tracing::warn!(ticket = %ticket.id, %error, "autoresponse sent but the notification failed");
    }
    Ok(())
}

async fn mark_sent(ports: &Ports, ticket: &Ticket, reply: &Reply) -> Result<(), ServiceError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = tickets::get(store, &ticket.tenant_id, &ticket.id).await? else {
            return Ok(());
        };
        let mut updated = stored.value.clone();
        let Some(plan) = updated.autoreply.as_mut() else {
            return Ok(());
        };
        if super::plan::reply_id(&ticket.id, plan.opening) != reply.id
            || plan.state == AutoreplyState::Sent
        {
            return Ok(());
        }
        plan.state = AutoreplyState::Sent;
        match tickets::update(store, &updated, stored.version).await {
            Ok(()) => return Ok(()),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "ticket {} kept changing",
        ticket.id
    )))
}
