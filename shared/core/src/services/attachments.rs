//! Files of a ticket's messages, in both directions: buyers' (and the marketplace's) fetched
//! from the marketplace on demand with the account's credentials (marketdesk keeps only their
//! links), and replies' read from marketdesk's own store.

use super::request::RequestError;
use super::timeline;
use crate::ids::{TenantId, TicketId};
use crate::ports::{DeliveryRegistry, FetchedFile, MarketplaceError, Ports};
use crate::repo::{files, integrations, replies, tickets};

/// The file with download id `aid` (`<message id>-<position>`) of a ticket's messages.
pub async fn fetch(
    ports: &Ports,
    deliveries: &DeliveryRegistry,
    tenant: &TenantId,
    ticket_id: &TicketId,
    aid: &str,
) -> Result<FetchedFile, RequestError> {
    let store = &*ports.store;
    let ticket = tickets::get(store, tenant, ticket_id)
        .await?
        .ok_or(RequestError::NotFound("ticket"))?
        .value;
    let entries = timeline::load(store, tenant, ticket_id).await?;
    let (message, position) =
        timeline::find_attachment(&entries, aid).ok_or(RequestError::NotFound("attachment"))?;
    if let Some(delivery) = &message.delivery {
        // A reply's file: the bytes the agent sent, kept beside the reply.
        let reply = replies::get(store, tenant, ticket_id, &delivery.reply_id)
            .await?
            .ok_or(RequestError::NotFound("attachment"))?
            .value;
        let file = reply
            .attachment
            .filter(|_| position == 0)
            .ok_or(RequestError::NotFound("attachment"))?;
        let data = files::get(store, tenant, ticket_id, &reply.id, &file).await?;
        return Ok(FetchedFile::from_bytes(
            file.filename,
            file.content_type,
            data,
        ));
    }
    let attachment = message
        .attachments
        .get(position)
        .cloned()
        .ok_or(RequestError::NotFound("attachment"))?;
    let integration = integrations::get(store, tenant, &ticket.integration_id)
        .await?
        .ok_or(RequestError::NotFound("ticket's integration"))?
        .value;
    let channel = deliveries
        .channel(ticket.conversation.kind.channel())
        .ok_or_else(|| RequestError::WrongState {
            code: "marketplace_not_configured",
            message: "this installation has no access to this marketplace".into(),
        })?;
    channel
        .fetch_attachment(&integration, &ticket, &attachment)
        .await
        .map_err(|error| match error {
            MarketplaceError::CredentialsRejected(_) => RequestError::WrongState {
                code: "account_disconnected",
                message: format!(
                    "the marketplace refused the credentials of \"{}\"; reconnect the account",
                    integration.display_name
                ),
            },
            MarketplaceError::Refused(reason) => RequestError::WrongState {
                code: "attachment_unavailable",
                message: format!("the marketplace does not serve this file: {reason}"),
            },
            other => RequestError::Unavailable(other.to_string()),
        })
}
