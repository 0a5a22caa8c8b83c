//! Tickets as agents read them: a filtered, cursor-paged list and one ticket in full.
//!
//! The list walks the tenant's activity index (most recent activity first) and filters while
//! paging. Cost: a request reads store pages of [`SCAN_PAGE`] tickets until it has `limit`
//! matches, reaching the end or having read [`SCAN_BUDGET`] tickets; then it answers with
//! what it found and a cursor, so a rare filter yields short (even empty) pages with a
//! cursor rather than one slow request. Dedicated indexes per filter can come later.

use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use crate::domain::order::Order;
use crate::domain::reply_state::DeliveryFilter;
use crate::domain::{AuthorKind, Customer, Marketplace, Message, Ticket, TicketStatus, View};
use crate::ids::{CustomerId, IntegrationId, TenantId, TicketId};
use crate::ports::Ports;
use crate::repo::{customers, tickets};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Store page size while filtering (constant: cursors point into these pages).
pub const SCAN_PAGE: u32 = 100;
/// Most tickets one list request reads before answering.
pub const SCAN_BUDGET: usize = 2000;

/// The query of `GET /v1/tickets`.
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    /// Only tickets from this marketplace.
    #[serde(default)]
    pub source: Option<Marketplace>,
    /// Only tickets in this status.
    #[serde(default)]
    pub status: Option<TicketStatus>,
    /// Only tickets in this queue (exact).
    #[serde(default)]
    pub queue: Option<String>,
    /// Only tickets of this category (exact).
    #[serde(default)]
    pub category: Option<String>,
    /// Only tickets of this integration (id).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub integration: Option<IntegrationId>,
    /// Only tickets linked to this customer (id).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub customer: Option<CustomerId>,
    /// Only tickets that do (`true`) or do not (`false`) wait for a person's answer.
    #[serde(default)]
    pub needs_reply: Option<bool>,
    /// Only tickets carrying this tag (as agents typed it, case ignored).
    #[serde(default)]
    pub tag: Option<String>,
    /// Only tickets assigned to this user id; `none`: only unassigned tickets.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Text contained in the subject or the buyer's login, case-insensitive, matched while
    /// paging. This is a list filter, not the search box: order ids, names, e-mails and words
    /// of the messages are found by `GET /v1/search` (which the web workspace's search box
    /// uses).
    #[serde(default)]
    pub q: Option<String>,
    /// `true`: only archived tickets (Allegro discussions closed more than 14 days ago or idle
    /// for 30 days, `is_archived`); default: only the others. Nothing is deleted.
    #[serde(default)]
    pub archived: Option<bool>,
    /// Only tickets whose last buyer-visible message has this author (`autoresponder`: the
    /// autoresponder answered and a person still has to).
    #[serde(default)]
    pub last_author: Option<AuthorKind>,
    /// Only tickets whose latest reply from marketdesk is in this delivery state (`failed`:
    /// it could not be sent and the ticket needs a reply).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(inline))]
    pub delivery: Option<DeliveryFilter>,
    /// A named view instead of filters (`services::views`): `mine`, `needs_reply`, ….
    #[serde(default)]
    pub view: Option<String>,
    /// Order of a view page: `activity` (default) or `respond_by`.
    #[serde(default)]
    pub sort: Option<ViewSort>,
    /// Where to continue: the `next_cursor` of the previous page.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, default = 25))]
    pub limit: Option<u32>,
}

impl TicketQuery {
    /// Whether `ticket` passes every filter given, at `now`.
    pub fn matches(&self, ticket: &Ticket, now: DateTime<Utc>) -> bool {
        self.archived.unwrap_or(false) == is_archived(ticket, now) && self.matches_fields(ticket)
    }

    /// Whether `ticket` passes every filter but `archived` (views list archived tickets too
    /// unless `archived` is given).
    pub fn matches_fields(&self, ticket: &Ticket) -> bool {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let tag = self.tag.as_deref().map(str::trim).filter(|t| !t.is_empty());
        self.source.is_none_or(|s| ticket.source == s)
            && tag.is_none_or(|tag| {
                ticket
                    .workflow
                    .tags
                    .iter()
                    .any(|t| t.trim().to_lowercase() == tag.to_lowercase())
            })
            && self.assignee.as_deref().is_none_or(|wanted| {
                match ticket.workflow.assignee.as_ref() {
                    Some(user) => user.as_str() == wanted,
                    None => wanted == UNASSIGNED,
                }
            })
            && self.status.as_ref().is_none_or(|s| &ticket.status == s)
            && self
                .queue
                .as_ref()
                .is_none_or(|queue| ticket.queue.as_ref() == Some(queue))
            && self
                .category
                .as_ref()
                .is_none_or(|category| ticket.category.as_ref() == Some(category))
            && self
                .integration
                .as_ref()
                .is_none_or(|id| &ticket.integration_id == id)
            && self
                .customer
                .as_ref()
                .is_none_or(|id| ticket.customer_id.as_ref() == Some(id))
            && self.needs_reply.is_none_or(|n| ticket.needs_reply == n)
            && self
                .last_author
                .is_none_or(|a| ticket.last_author == Some(a))
            && self
                .delivery
                .is_none_or(|d| ticket.delivery == Some(d.state()))
            && q.is_none_or(|q| {
                let q = q.to_lowercase();
                ticket.subject.to_lowercase().contains(&q)
                    || ticket.buyer_login.to_lowercase().contains(&q)
            })
    }
}

/// The `assignee` filter's value for tickets nobody is assigned to.
pub const UNASSIGNED: &str = "none";

/// Whether any filter (not the view, order, cursor or size) is given.
pub fn has_filters(query: &TicketQuery) -> bool {
    query.source.is_some()
        || query.status.is_some()
        || query.queue.is_some()
        || query.category.is_some()
        || query.integration.is_some()
        || query.customer.is_some()
        || query.needs_reply.is_some()
        || query.tag.is_some()
        || query.assignee.is_some()
        || query.q.is_some()
        || query.archived.is_some()
        || query.last_author.is_some()
        || query.delivery.is_some()
}

/// The order of a view page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewSort {
    /// Most recent activity first (the default).
    #[default]
    Activity,
    /// The earliest answer deadline first; tickets without one last.
    RespondBy,
}

/// Days after the marketplace closed an Allegro discussion before lists hide it.
pub const CLOSED_VISIBLE_DAYS: i64 = 14;
/// Days without activity after which lists hide an ongoing Allegro discussion.
pub const IDLE_VISIBLE_DAYS: i64 = 30;

/// Whether lists hide the ticket by default (like the marketplace panels): Allegro
/// discussions 14 days after they were closed (resolved or unresolved) and ongoing ones after
/// 30 days without activity. Nothing is deleted; `archived=true` lists them.
pub fn is_archived(ticket: &Ticket, now: DateTime<Utc>) -> bool {
    if ticket.source != Marketplace::Allegro {
        return false;
    }
    match ticket.closed_at {
        Some(closed) if !ticket.open_for_replies => {
            now - closed > Duration::days(CLOSED_VISIBLE_DAYS)
        }
        _ => now - ticket.updated_at > Duration::days(IDLE_VISIBLE_DAYS),
    }
}

/// One page of tickets.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TicketPage {
    /// The tickets, most recent activity first.
    pub tickets: Vec<Ticket>,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One page of the tenant's tickets passing the query's filters, most recent activity first.
pub async fn list(
    ports: &Ports,
    tenant: &TenantId,
    query: &TicketQuery,
) -> Result<TicketPage, RequestError> {
    list_ordered(ports, tenant, query, None, ViewSort::Activity).await
}

/// One page of the tenant's tickets in `view` (all when `None`) passing the query's filters,
/// in `sort` order: most recent activity first, or the earliest answer deadline first (tickets
/// without one last). A view lists archived tickets too unless `archived` is given.
pub async fn list_ordered(
    ports: &Ports,
    tenant: &TenantId,
    query: &TicketQuery,
    view: Option<&View>,
    sort: ViewSort,
) -> Result<TicketPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let now = ports.clock.now();
    let start = Position::decode(query.cursor.as_deref())?;
    let store = &*ports.store;
    let keep = |ticket: &Ticket| match view {
        None => query.matches(ticket, now),
        Some(view) => {
            View::of(ticket).contains(view)
                && query.matches_fields(ticket)
                && query
                    .archived
                    .is_none_or(|archived| archived == is_archived(ticket, now))
        }
    };
    let (tickets, next_cursor) = paging::filtered(
        start,
        limit,
        SCAN_BUDGET,
        |cursor| async move {
            match sort {
                ViewSort::Activity => tickets::list_recent(store, tenant, cursor, SCAN_PAGE).await,
                ViewSort::RespondBy => {
                    tickets::list_by_deadline(store, tenant, cursor, SCAN_PAGE).await
                }
            }
            .map_err(cursor_error)
        },
        keep,
    )
    .await?;
    Ok(TicketPage {
        tickets,
        next_cursor,
    })
}

/// A ticket in full: its messages (oldest first, with their authors), panel and customer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TicketDetail {
    /// The ticket, its panel included.
    pub ticket: Ticket,
    /// Every message, internal comments and replies (with their delivery) included, oldest
    /// first.
    pub messages: Vec<Message>,
    /// The linked CRM customer, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub customer: Option<Customer>,
    /// The marketdesk order made of the checkout form the conversation is about, if any.
    pub order: Option<Order>,
}

/// One ticket of the tenant in full.
pub async fn detail(
    ports: &Ports,
    tenant: &TenantId,
    id: &TicketId,
) -> Result<TicketDetail, RequestError> {
    let store = &*ports.store;
    let ticket = tickets::get(store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("ticket"))?
        .value;
    let mut messages = super::timeline::load(store, tenant, id).await?;
    super::timeline::number_attachments(&mut messages);
    let customer = match &ticket.customer_id {
        Some(customer) => customers::get(store, tenant, customer)
            .await?
            .map(|v| v.value),
        None => None,
    };
    let order = super::order_desk::of_ticket(store, &ticket).await?;
    Ok(TicketDetail {
        ticket,
        messages,
        customer,
        order,
    })
}
