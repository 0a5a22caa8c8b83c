//! Buyers' attachments, fetched from the marketplace on demand with the account's credentials
//! (marketdesk keeps only their links).

use super::request::RequestError;
use super::timeline;
use crate::ids::{TenantId, TicketId};
use crate::ports::{DeliveryRegistry, FetchedFile, MarketplaceError, Ports};
use crate::repo::{integrations, tickets};

/// The file with download id `aid` of a ticket's marketplace messages.
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
    let attachment = timeline::find_attachment(&entries, aid)
        .ok_or(RequestError::NotFound("attachment"))?
        .clone();
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
