//! Views: named lists of tickets with counts, read from the view entries `repo::views` keeps
//! with every ticket write.
//!
//! Cost on both backends: a page of `limit` tickets is one index query (GSI2 by deadline,
//! GSI3 by activity) plus one `get` per ticket (run concurrently); the counts of
//! `GET /v1/views` are one query per fixed view, one for the caller's own and one for all
//! queue views together (run concurrently), each reading at most [`COUNT_CAP`] small entries (a count that
//! reaches the cap is shown with `more: true`).

use super::caller::Caller;
use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use super::ticket_views::{self, TicketPage, TicketQuery, ViewSort};
use crate::domain::{Ticket, View};
use crate::ids::{TenantId, UserId};
use crate::ports::{Index, Ports, Query, SortKeyCondition, Store};
use crate::repo::{keys, tickets, views as entries, RepoError};
use futures_util::future::try_join_all;
use serde::Serialize;
use std::collections::BTreeMap;

/// Most entries one count reads; a larger view shows this many and `more: true`.
pub const COUNT_CAP: u32 = 1000;

/// One view with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewCount {
    /// The name to list it with: pass as `GET /v1/tickets?view=<name>`.
    pub name: String,
    /// Tickets in it (at most 1000: counts stop there).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
    pub count: u32,
    /// More tickets than `count` (counts stop at 1000).
    pub more: bool,
}

/// The answer of `GET /v1/views`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewList {
    /// `mine` (signed-in people only), the fixed views, then one per queue in use, by name.
    pub views: Vec<ViewCount>,
}

/// The view a name means for this caller: `mine` is the caller's own assignee view.
pub fn parse(caller: &Caller, name: &str) -> Result<View, RequestError> {
    let bad = |message: &str| RequestError::invalid("view", message.to_owned());
    if name == "mine" {
        return caller
            .actor
            .user_id()
            .map(|user| View::Assignee(user.clone()))
            .ok_or_else(|| {
                bad("mine is for signed-in people; an API key names assignee:<user id>")
            });
    }
    if let Some(user) = name.strip_prefix("assignee:") {
        return UserId::parse(user)
            .map(View::Assignee)
            .map_err(|_| bad("assignee:<user id> needs a user id"));
    }
    if let Some(queue) = name.strip_prefix("queue:") {
        super::validation::label("view", queue, super::validation::MAX_LABEL_CHARS)?;
        return Ok(View::Queue(queue.trim().to_owned()));
    }
    View::FIXED
        .into_iter()
        .find(|view| view.name() == name)
        .ok_or_else(|| {
            bad("unknown view: mine, unassigned, needs_reply, pending, failed_delivery, autoresponder, snoozed, assignee:<user id> or queue:<name>")
        })
}

/// Counts the entries under one sort-key prefix, up to the cap.
async fn count(
    store: &dyn Store,
    tenant: &TenantId,
    prefix: String,
) -> Result<(u32, bool), RepoError> {
    let page = store
        .query(
            &Query::partition(keys::tenant_partition(tenant))
                .sort(SortKeyCondition::BeginsWith(prefix))
                .limit(COUNT_CAP),
        )
        .await?;
    Ok((page.items.len() as u32, page.next.is_some()))
}

/// The caller's views with their counts.
pub async fn list(ports: &Ports, caller: &Caller) -> Result<ViewList, RequestError> {
    Ok(counts(&*ports.store, &caller.tenant_id, caller.actor.user_id()).await?)
}

/// The views of a tenant with their counts; `mine` when `user` is given.
pub async fn counts(
    store: &dyn Store,
    tenant: &TenantId,
    user: Option<&UserId>,
) -> Result<ViewList, RepoError> {
    // One query per view, all at once: the counts cost the slowest query, not their sum.
    let mut named: Vec<(String, View)> = Vec::new();
    if let Some(user) = user {
        named.push(("mine".into(), View::Assignee(user.clone())));
    }
    named.extend(View::FIXED.into_iter().map(|view| (view.name(), view)));
    let queue_query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(entries::queue_entries_prefix()))
        .limit(COUNT_CAP);
    let (counted, page) = futures_util::future::try_join(
        try_join_all(named.iter().map(|(_, view)| {
            count(
                store,
                tenant,
                entries::entries_prefix(&entries::view_key(view)),
            )
        })),
        async { Ok::<_, RepoError>(store.query(&queue_query).await?) },
    )
    .await?;
    let mut views: Vec<ViewCount> = named
        .into_iter()
        .zip(counted)
        .map(|((name, _), (count, more))| ViewCount { name, count, more })
        .collect();
    let mut queues: BTreeMap<String, u32> = BTreeMap::new();
    for item in &page.items {
        if let Some(queue) = item.data.get("queue").and_then(|q| q.as_str()) {
            *queues.entry(queue.to_owned()).or_default() += 1;
        }
    }
    let capped = page.next.is_some();
    views.extend(queues.into_iter().map(|(queue, n)| ViewCount {
        name: View::Queue(queue).name(),
        count: n,
        more: capped,
    }));
    Ok(ViewList { views })
}

/// One page of a view.
pub async fn page(
    store: &dyn Store,
    tenant: &TenantId,
    view: &View,
    sort: ViewSort,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<TicketPage, RequestError> {
    let limit = paging::limit(limit)?;
    let position = Position::decode(cursor)?;
    let partition = entries::view_partition(tenant, &entries::view_key(view));
    let query = match sort {
        ViewSort::RespondBy => Query::index(Index::Gsi2, partition),
        ViewSort::Activity => Query::index(Index::Gsi3, partition).descending(),
    }
    .limit(limit as u32)
    .after(position.store);
    let found = store
        .query(&query)
        .await
        .map_err(|e| cursor_error(e.into()))?;
    let ids: Vec<_> = found
        .items
        .iter()
        .filter_map(|item| item.data.get("ticket_id").and_then(|id| id.as_str()))
        .map(crate::ids::TicketId::from)
        .collect();
    let read = try_join_all(ids.iter().map(|id| tickets::get(store, tenant, id))).await?;
    // The index may lag the table (DynamoDB's are eventually consistent): a ticket that left
    // the view meanwhile is left out, so a page can be short.
    let tickets: Vec<Ticket> = read
        .into_iter()
        .flatten()
        .map(|stored| stored.value)
        .filter(|ticket| View::of(ticket).contains(view))
        .collect();
    Ok(TicketPage {
        tickets,
        next_cursor: found.next.map(|store| {
            Position {
                store: Some(store),
                skip: 0,
            }
            .encode()
        }),
    })
}

/// `GET /v1/tickets`: a view or the whole list, narrowed by any filters, in either order.
///
/// A view alone is read from its entries (one index query and one `get` per ticket); filters,
/// with or without a view, walk the ticket items by activity (GSI1) or by deadline (GSI3) and
/// keep those in the view passing the filters (`ticket_views::list_ordered`: store pages of
/// 100 tickets, at most 2000 read per request).
pub async fn list_tickets(
    ports: &Ports,
    caller: &Caller,
    query: &TicketQuery,
) -> Result<TicketPage, RequestError> {
    let view = query
        .view
        .as_deref()
        .map(|name| parse(caller, name))
        .transpose()?;
    let sort = query.sort.unwrap_or_default();
    match &view {
        Some(view) if !ticket_views::has_filters(query) => {
            page(
                &*ports.store,
                &caller.tenant_id,
                view,
                sort,
                query.cursor.as_deref(),
                query.limit,
            )
            .await
        }
        _ => ticket_views::list_ordered(ports, &caller.tenant_id, query, view.as_ref(), sort).await,
    }
}
