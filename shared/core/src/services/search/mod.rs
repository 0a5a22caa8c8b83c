//! The one search box: identifiers, logins, e-mails and names through search entries
//! (`repo::search`, the same answers on both backends), words of subjects and messages
//! through the [`TextIndex`] port (FTS5 locally, word entries on AWS).
//!
//! A search costs a bounded number of store reads: one `get` (the ticket id), one query for
//! identifiers, one per name word (≤ [`MAX_QUERY_WORDS`]), one customer-name query and one per
//! customer found (≤ [`MAX_CUSTOMERS`]), the text index, then one `get` per ticket answered.

pub mod text;

use super::request::RequestError;
use super::ServiceError;
use crate::domain::{Marketplace, Ticket};
use crate::ids::{is_well_formed, CustomerId, TenantId, TicketId};
use crate::jobs::InboundEvent;
use crate::ports::{Ports, Store, TextDoc, TextIndex, TextIndexError};
use crate::repo::search::{self as entries, customer_entry, Entry, EntryKind, Match, MatchField};
use crate::repo::{customers, tickets};
use serde::{Deserialize, Serialize};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query used for names and words (the rest are ignored).
pub const MAX_QUERY_WORDS: usize = 8;
/// Answers when the client names no limit.
pub const DEFAULT_LIMIT: u32 = 20;
/// Most answers one search gives.
pub const MAX_LIMIT: u32 = 50;
/// Customers whose tickets a name search collects.
pub const MAX_CUSTOMERS: u32 = 10;
/// A query shorter than this (in characters) matches identifiers exactly, longer ones also as
/// the start of longer identifiers (an order id typed in part, a commercial id).
pub const PREFIX_MIN_CHARS: usize = 3;
/// Entries read per identifier or customer lookup.
const ENTRIES_PER_LOOKUP: u32 = 200;
/// Entries read per name word (one store page): a word in more buyers' names is matched among
/// this many of its tickets, the newest first for a whole word.
pub const NAME_ENTRIES_PER_WORD: u32 = 1000;

/// The query of `GET /v1/search`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// What was typed: at least one letter or digit, no control characters.
    // An absent `Option` is `None` without `serde(default)`, which would make utoipa call
    // the parameter optional; `search` answers 422 without it.
    #[cfg_attr(
        feature = "openapi",
        param(
            required = true,
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]+$"
        )
    )]
    pub q: Option<String>,
    /// Most answers, 1 to 50 (default 20).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 50, default = 20))]
    pub limit: Option<u32>,
}

/// One ticket found, with what matched.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Only for the document: utoipa writes `additionalProperties: false` (an answer holds no
// other field); serialization ignores it.
#[serde(deny_unknown_fields)]
pub struct SearchHit {
    /// The ticket.
    pub ticket: Ticket,
    /// Which of the ticket's values matched, strongest first.
    #[cfg_attr(feature = "openapi", schema(inline, min_items = 1))]
    pub matched: Vec<MatchField>,
}

/// The answer of a search.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Only for the document, as on `SearchHit`.
#[serde(deny_unknown_fields)]
pub struct SearchResults {
    /// Identifier matches first (exact before partial), then names, then words (locally by
    /// FTS5's relevance, on AWS newest first).
    pub results: Vec<SearchHit>,
}

/// Searches the tenant's tickets for what was typed in the search box.
pub async fn search(
    ports: &Ports,
    tenant: &TenantId,
    query: &SearchQuery,
) -> Result<SearchResults, RequestError> {
    search_in(&*ports.store, &*ports.text_index, tenant, query).await
}

/// [`search`] on a store and text index (the conformance suite's entry).
pub async fn search_in(
    store: &dyn Store,
    text_index: &dyn TextIndex,
    tenant: &TenantId,
    query: &SearchQuery,
) -> Result<SearchResults, RequestError> {
    let (typed, limit) = validate(query)?;
    let normalized = text::normalize(&typed);
    let query_words: Vec<String> = text::words(&normalized)
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .collect();
    let mut found = Found::default();

    if is_well_formed(&typed)
        && tickets::get(store, tenant, &TicketId::from(typed.as_str()))
            .await?
            .is_some()
    {
        found.add(TicketId::from(typed.as_str()), MatchField::TicketId);
    }
    let how = if normalized.chars().count() >= PREFIX_MIN_CHARS {
        Match::Prefix
    } else {
        Match::Exact
    };
    for hit in entries::find(
        store,
        tenant,
        EntryKind::Id,
        &normalized,
        how,
        false,
        ENTRIES_PER_LOOKUP,
    )
    .await?
    {
        found.add(hit.ticket, hit.field);
    }
    for ticket in by_name_words(store, tenant, &query_words).await? {
        found.add(ticket, MatchField::CustomerName);
    }
    for customer in matching_customers(store, tenant, &normalized).await? {
        let value = customer_entry(&customer).value;
        for hit in entries::find(
            store,
            tenant,
            EntryKind::Customer,
            &value,
            Match::Exact,
            true,
            ENTRIES_PER_LOOKUP,
        )
        .await?
        {
            found.add(hit.ticket, MatchField::CustomerName);
        }
    }
    if !query_words.is_empty() {
        let by_words = text_index
            .search(tenant, &query_words, limit)
            .await
            .map_err(|TextIndexError::Unavailable(reason)| RequestError::Unavailable(reason))?;
        for ticket in by_words {
            found.add(ticket, MatchField::Words);
        }
    }

    let mut results = Vec::new();
    for (id, matched) in found.order {
        if results.len() == limit {
            break;
        }
        // An entry may outlive its ticket's visibility (never its tenant): skip what is gone.
        if let Some(ticket) = tickets::get(store, tenant, &id).await? {
            results.push(SearchHit {
                ticket: ticket.value,
                matched,
            });
        }
    }
    Ok(SearchResults { results })
}

/// The trimmed query and the answer limit, or why they are refused.
fn validate(query: &SearchQuery) -> Result<(String, usize), RequestError> {
    let typed = query.q.as_deref().map(str::trim).unwrap_or_default();
    if typed.is_empty() {
        return Err(RequestError::invalid(
            "q",
            "type something to search for: an id, an order number, a login, an e-mail, a name or words",
        ));
    }
    if typed.chars().count() > MAX_QUERY_CHARS {
        return Err(RequestError::invalid(
            "q",
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if typed.chars().any(char::is_control) {
        return Err(RequestError::invalid(
            "q",
            "must not contain control characters",
        ));
    }
    if !typed.chars().any(char::is_alphanumeric) {
        return Err(RequestError::invalid(
            "q",
            "has no letters or digits to search for",
        ));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(RequestError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok((typed.to_owned(), limit as usize))
}

/// Tickets whose buyer's name has a word starting with each query word (all of them).
async fn by_name_words(
    store: &dyn Store,
    tenant: &TenantId,
    query_words: &[String],
) -> Result<Vec<TicketId>, RequestError> {
    let mut common: Option<Vec<TicketId>> = None;
    for word in query_words {
        let hits = entries::find(
            store,
            tenant,
            EntryKind::Name,
            &text::fold(word),
            Match::Prefix,
            true,
            NAME_ENTRIES_PER_WORD,
        )
        .await?;
        let mut tickets: Vec<TicketId> = Vec::new();
        for hit in hits {
            if !tickets.contains(&hit.ticket) {
                tickets.push(hit.ticket);
            }
        }
        common = Some(match common {
            None => tickets,
            Some(before) => before.into_iter().filter(|t| tickets.contains(t)).collect(),
        });
        if common.as_ref().is_some_and(Vec::is_empty) {
            break;
        }
    }
    Ok(common.unwrap_or_default())
}

/// CRM customers the query names: today those whose name starts with it (the by-name index).
/// The one place customer lookups are decided, so word-of-name and e-mail indexes of the CRM
/// can answer here when they exist.
async fn matching_customers(
    store: &dyn Store,
    tenant: &TenantId,
    normalized: &str,
) -> Result<Vec<CustomerId>, RequestError> {
    let (found, _) =
        customers::list_by_name(store, tenant, normalized, None, MAX_CUSTOMERS).await?;
    Ok(found.into_iter().map(|c| c.id).collect())
}

/// Tickets found so far, in the order found, each with what matched.
#[derive(Default)]
struct Found {
    order: Vec<(TicketId, Vec<MatchField>)>,
}

impl Found {
    fn add(&mut self, ticket: TicketId, field: MatchField) {
        match self.order.iter_mut().find(|(id, _)| *id == ticket) {
            Some((_, fields)) => {
                if !fields.contains(&field) {
                    fields.push(field);
                }
            }
            None => self.order.push((ticket, vec![field])),
        }
    }
}

/// Makes an ingested event's ticket findable: its identifiers (re-written on every event, so
/// a failed attempt is made good by the next), its subject and the messages new in this event.
pub async fn index_ingested(
    ports: &Ports,
    event: &InboundEvent,
    ticket: &TicketId,
    new_messages: &[TextDoc],
) -> Result<(), ServiceError> {
    index_ingested_in(
        &*ports.store,
        &*ports.text_index,
        event,
        ticket,
        new_messages,
    )
    .await
}

/// [`index_ingested`] on a store and text index.
pub async fn index_ingested_in(
    store: &dyn Store,
    text_index: &dyn TextIndex,
    event: &InboundEvent,
    ticket: &TicketId,
    new_messages: &[TextDoc],
) -> Result<(), ServiceError> {
    let tenant = &event.tenant_id;
    let stored = tickets::get(store, tenant, ticket)
        .await?
        .ok_or_else(|| ServiceError::Gone(format!("ticket {ticket} vanished")))?
        .value;
    entries::put(store, tenant, ticket, &identifier_entries(&stored, event)).await?;
    let mut docs = vec![TextDoc {
        key: "subject".into(),
        text: stored.subject.clone(),
    }];
    docs.extend(
        new_messages
            .iter()
            .filter(|d| !d.text.trim().is_empty())
            .cloned(),
    );
    text_index
        .index(tenant, ticket, &docs)
        .await
        .map_err(|TextIndexError::Unavailable(reason)| ServiceError::Unavailable(reason))
}

/// The search entries of a ticket: conversation, order and commercial ids, the buyer's login
/// (or EmpikPlace customer id) and e-mails, the words of the buyer's name, the CRM link.
pub fn identifier_entries(ticket: &Ticket, event: &InboundEvent) -> Vec<Entry> {
    entries_of(
        ticket,
        event.order_id.as_deref(),
        &event.buyer_emails,
        event.buyer_name.as_deref(),
    )
}

/// The search entries of a stored ticket, its buyer's name and e-mails taken from its CRM
/// `customer` (the backfill, `services::reindex`, has no inbound event).
pub fn stored_entries(ticket: &Ticket, customer: Option<&crate::domain::Customer>) -> Vec<Entry> {
    entries_of(
        ticket,
        None,
        customer.map(|c| c.emails.as_slice()).unwrap_or_default(),
        customer
            .map(|c| c.name.as_str())
            .filter(|n| !n.trim().is_empty()),
    )
}

/// The entries of `ticket` with the order id, e-mails and name read with it.
fn entries_of(
    ticket: &Ticket,
    order_id: Option<&str>,
    emails: &[String],
    buyer_name: Option<&str>,
) -> Vec<Entry> {
    let id = |value: &str, field| Entry {
        kind: EntryKind::Id,
        value: text::normalize(value),
        field,
    };
    let mut all = vec![id(
        &ticket.conversation.external_id,
        MatchField::ConversationId,
    )];
    let login_field = match ticket.source {
        Marketplace::Allegro => MatchField::BuyerLogin,
        Marketplace::Empik => MatchField::EmpikCustomerId,
    };
    all.push(id(&ticket.buyer_login, login_field));
    for order in [ticket.order_id.as_deref(), order_id].into_iter().flatten() {
        all.push(id(order, MatchField::OrderId));
        if ticket.source == Marketplace::Empik {
            if let Some(commercial) = commercial_id(order) {
                all.push(id(commercial, MatchField::CommercialId));
            }
        }
    }
    for email in emails {
        all.push(id(email, MatchField::Email));
    }
    for word in buyer_name.map(text::words).unwrap_or_default() {
        all.push(Entry {
            kind: EntryKind::Name,
            value: text::fold(&word),
            field: MatchField::CustomerName,
        });
    }
    if let Some(customer) = &ticket.customer_id {
        all.push(customer_entry(customer));
    }
    all.dedup();
    all
}

/// The customer-facing order number in a Mirakl order id: Mirakl adds a per-shop suffix to the
/// commercial id (`Order_00010` → `Order_00010-A`), so it is the id without its last `-` part.
pub fn commercial_id(order_id: &str) -> Option<&str> {
    order_id
        .rsplit_once('-')
        .map(|(commercial, _)| commercial)
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirakl_order_ids_carry_the_commercial_id() {
        assert_eq!(commercial_id("EMP123456-A"), Some("EMP123456"));
        assert_eq!(commercial_id("Order_00010-A"), Some("Order_00010"));
        assert_eq!(commercial_id("123456"), None);
        assert_eq!(commercial_id("-A"), None);
    }

    #[test]
    fn bad_queries_are_refused_with_the_field() {
        for (q, limit, field) in [
            (None, None, "q"),
            (Some("   "), None, "q"),
            (Some("!!! ##"), None, "q"),
            (Some("a\u{7}b"), None, "q"),
            (Some("x".repeat(MAX_QUERY_CHARS + 1).as_str()), None, "q"),
            (Some("ok"), Some(0), "limit"),
            (Some("ok"), Some(MAX_LIMIT + 1), "limit"),
        ] {
            let query = SearchQuery {
                q: q.map(str::to_owned),
                limit,
            };
            match validate(&query) {
                Err(RequestError::Invalid { field: f, .. }) => assert_eq!(f, field, "{q:?}"),
                other => panic!("{q:?} {limit:?}: {other:?}"),
            }
        }
        assert!(validate(&SearchQuery {
            q: Some(" jan ".into()),
            limit: Some(MAX_LIMIT)
        })
        .is_ok());
    }
}
