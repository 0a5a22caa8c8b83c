//! What the web workspace shows, composed from the ticket services: list rows with the
//! customer's name, the account and a preview of the latest message; and a ticket with what
//! its reply box needs (the conversation's limits, the closure message, the account).
//!
//! Cost of a list page: the ticket list itself (`views::list_tickets`, or the search), one read
//! of the tenant's integrations, and per row its customer (one `get`). The preview is kept in
//! the ticket (`Ticket::preview`, written by the summary), so no timeline is read, except once
//! for a ticket stored before that field and never written since.

use super::caller::Caller;
use super::preview::preview_of;
use super::request::RequestError;
use super::search::{self, SearchQuery};
use super::ticket_views::{self, TicketDetail, TicketPage, TicketQuery, ViewSort};
use crate::domain::{ConversationKind, ReplyLimits, ReplyState, Ticket, View};
use crate::ids::{TenantId, TicketId};
use crate::ports::Ports;
use crate::repo::{customers, integrations, replies};
use futures_util::future::try_join_all;
use std::collections::HashMap;

/// The latest buyer-visible message of a ticket, shortened (kept with the ticket).
pub use crate::domain::MessagePreview as Preview;

/// One row of the ticket list.
#[derive(Debug, Clone)]
pub struct TicketRow {
    /// The ticket.
    pub ticket: Ticket,
    /// The linked CRM customer's name, if any.
    pub customer_name: Option<String>,
    /// The account (integration) the conversation belongs to, by its shown name.
    pub account: Option<String>,
    /// The latest buyer-visible message.
    pub preview: Option<Preview>,
}

/// One page of rows.
#[derive(Debug, Clone)]
pub struct RowPage {
    /// The rows, most recent activity first.
    pub rows: Vec<TicketRow>,
    /// Where the next page starts; `None` at the end.
    pub next_cursor: Option<String>,
    /// The tenant's accounts (integration id, shown name), by name: the account filter's
    /// choices, from the read that names each row's account.
    pub accounts: Vec<(String, String)>,
}

/// One page of the caller's tickets passing `query` (a view, filters and order as
/// `GET /v1/tickets` takes them), as list rows. With `search` (the search box), the tickets are
/// the search service's answers (`services::search`: ids, order ids, logins, names, words; at
/// most [`search::MAX_LIMIT`], one page) narrowed by the same view and filters, in the
/// search's order unless `query.sort` names one.
pub async fn rows(
    ports: &Ports,
    caller: &Caller,
    query: &TicketQuery,
    search: Option<&str>,
) -> Result<RowPage, RequestError> {
    let tenant = &caller.tenant_id;
    let page = match search.map(str::trim).filter(|q| !q.is_empty()) {
        Some(typed) => searched(ports, caller, query, typed).await?,
        None => super::views::list_tickets(ports, caller, query).await?,
    };
    let store = &*ports.store;
    let mut listed: Vec<(String, String)> = integrations::list_for_tenant(store, tenant)
        .await?
        .into_iter()
        .map(|i| (i.id.to_string(), i.display_name))
        .collect();
    listed.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let accounts: HashMap<&str, &str> = listed
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    // Each row's reads (customer name, an old ticket's timeline) for every row at once.
    let rows = try_join_all(page.tickets.into_iter().map(|ticket| async {
        let preview = match &ticket.preview {
            Some(preview) => Some(preview.clone()),
            // Stored before the summary kept its preview and never written since (a reindex
            // fills it): read the timeline once.
            None if ticket.last_author.is_some() => {
                preview_of(&super::timeline::load(store, tenant, &ticket.id).await?)
            }
            None => None,
        };
        let customer_name = match &ticket.customer_id {
            Some(id) => customers::get(store, tenant, id)
                .await?
                .map(|c| c.value.name),
            None => None,
        };
        Ok::<_, RequestError>(TicketRow {
            account: accounts
                .get(ticket.integration_id.as_str())
                .map(|name| (*name).to_owned()),
            preview,
            customer_name,
            ticket,
        })
    }))
    .await?;
    Ok(RowPage {
        rows,
        next_cursor: page.next_cursor,
        accounts: listed,
    })
}

/// The search box's answers for `typed` that are in the query's view and pass its filters.
async fn searched(
    ports: &Ports,
    caller: &Caller,
    query: &TicketQuery,
    typed: &str,
) -> Result<TicketPage, RequestError> {
    let view = query
        .view
        .as_deref()
        .map(|name| super::views::parse(caller, name))
        .transpose()?;
    let found = search::search(
        ports,
        &caller.tenant_id,
        &SearchQuery {
            q: Some(typed.to_owned()),
            limit: Some(search::MAX_LIMIT),
        },
    )
    .await?;
    let now = ports.clock.now();
    let mut tickets: Vec<Ticket> = found
        .results
        .into_iter()
        .map(|hit| hit.ticket)
        .filter(|t| view.as_ref().is_none_or(|v| View::of(t).contains(v)))
        // A search finds archived tickets too, unless the filter says otherwise.
        .filter(|t| query.matches_fields(t))
        .filter(|t| {
            query
                .archived
                .is_none_or(|archived| archived == ticket_views::is_archived(t, now))
        })
        .collect();
    match query.sort {
        Some(ViewSort::Activity) => tickets.sort_by_key(|t| std::cmp::Reverse(t.updated_at)),
        Some(ViewSort::RespondBy) => {
            tickets.sort_by_key(|t| (t.workflow.respond_by.is_none(), t.workflow.respond_by))
        }
        None => {}
    }
    Ok(TicketPage {
        tickets,
        next_cursor: None,
    })
}

/// A ticket as its page shows it: the conversation, panel and customer, and what the reply
/// box states before anything is sent.
#[derive(Debug, Clone)]
pub struct TicketWorkspace {
    /// The ticket, its messages (replies with their delivery) and its customer.
    pub detail: TicketDetail,
    /// The account's shown name (`None` when the integration was deleted).
    pub account: Option<String>,
    /// What one reply may carry here.
    pub limits: ReplyLimits,
    /// Attachment bytes of this conversation's replies so far (sending or sent): what counts
    /// against `limits.max_conversation_bytes`.
    pub attachment_bytes_used: u64,
    /// The text sent when an agent asks the buyer to confirm without writing one.
    pub closure_message: Option<String>,
    /// Whether "ask the buyer to confirm" applies (Allegro disputes).
    pub can_ask_to_confirm: bool,
    /// The account's signature, appended to agents' replies when they are stored.
    pub signature: Option<String>,
}

/// One ticket of the tenant with what its page needs.
pub async fn ticket(
    ports: &Ports,
    tenant: &TenantId,
    id: &TicketId,
) -> Result<TicketWorkspace, RequestError> {
    let detail = ticket_views::detail(ports, tenant, id).await?;
    let store = &*ports.store;
    let integration = integrations::get(store, tenant, &detail.ticket.integration_id)
        .await?
        .map(|v| v.value);
    let attachment_bytes_used = replies::of_ticket(store, tenant, id)
        .await?
        .iter()
        .filter(|r| matches!(r.state, ReplyState::Sending | ReplyState::Sent))
        .filter_map(|r| r.attachment.as_ref())
        .map(|f| f.size)
        .sum();
    let kind = detail.ticket.conversation.kind;
    Ok(TicketWorkspace {
        account: integration.as_ref().map(|i| i.display_name.clone()),
        signature: integration
            .as_ref()
            .and_then(|i| i.settings.signature.clone())
            .filter(|s| !s.trim().is_empty()),
        closure_message: integration
            .and_then(|i| i.settings.closure_message)
            .filter(|m| !m.trim().is_empty()),
        limits: ReplyLimits::of(kind),
        attachment_bytes_used,
        can_ask_to_confirm: kind == ConversationKind::AllegroDispute,
        detail,
    })
}
