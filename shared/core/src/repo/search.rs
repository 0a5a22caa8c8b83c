//! Search entries: small items in the tenant's partition that point from a value to a ticket,
//! so a search is one query of the partition on both backends.
//!
//! `SEARCH#<kind>#<value>#<ticket id>` → `{ticket_id, field}`. Values are stored normalized
//! (`services::search::text`) with every character up to `%` (the separator `#` among them)
//! percent-encoded, so `#` ends every value and an exact value sorts before its longer
//! neighbours. Entries are only ever added (puts are idempotent); a ticket's identifiers never
//! change, and a stale word or name entry at worst finds a ticket it no longer mentions.

use super::{keys, RepoError};
use crate::ids::{CustomerId, TenantId, TicketId};
use crate::ports::store::MAX_QUERY_LIMIT;
use crate::ports::{Condition, Item, Key, Query, SortKeyCondition, Store};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Writes in flight at once while indexing one ticket (DynamoDB: one request each).
const CONCURRENT_PUTS: usize = 16;

/// What an entry's value is, as a key segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// An identifier, login or e-mail address, whole.
    Id,
    /// One word of the buyer's name (folded).
    Name,
    /// The CRM customer the ticket is linked to (their id).
    Customer,
    /// One word of the subject or a message (folded; the AWS text index).
    Word,
}

impl EntryKind {
    fn segment(self) -> &'static str {
        match self {
            EntryKind::Id => "id",
            EntryKind::Name => "name",
            EntryKind::Customer => "customer",
            EntryKind::Word => "word",
        }
    }
}

/// Which of the ticket's values an entry (or a search answer) matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    /// The ticket's own id.
    TicketId,
    /// The marketplace conversation's id (Allegro issue or thread, EmpikPlace thread).
    ConversationId,
    /// The order's id (Allegro checkout form, Mirakl order id).
    OrderId,
    /// EmpikPlace's customer-facing order number (Mirakl commercial id).
    CommercialId,
    /// The Allegro buyer's login.
    BuyerLogin,
    /// The EmpikPlace customer's id.
    EmpikCustomerId,
    /// One of the buyer's e-mail addresses.
    Email,
    /// The buyer's or the linked customer's name.
    CustomerName,
    /// Words of the subject or the messages.
    Words,
}

/// One entry to write: `value` of `kind` points to `ticket`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Kind of value.
    pub kind: EntryKind,
    /// The value, already normalized by the caller.
    pub value: String,
    /// Which of the ticket's values it is.
    pub field: MatchField,
}

/// One ticket an entry led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The ticket.
    pub ticket: TicketId,
    /// What matched.
    pub field: MatchField,
}

/// `value` as a key segment: characters up to `%` percent-encoded (see the module doc).
fn encode_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for c in value.chars() {
        if c <= '%' {
            encoded.push_str(&format!("%{:02X}", c as u32));
        } else {
            encoded.push(c);
        }
    }
    encoded
}

fn value_prefix(kind: EntryKind, value: &str) -> String {
    format!("SEARCH#{}#{}", kind.segment(), encode_value(value))
}

fn entry_key(tenant: &TenantId, entry: &Entry, ticket: &TicketId) -> Key {
    Key::new(
        keys::tenant_partition(tenant),
        format!("{}#{ticket}", value_prefix(entry.kind, &entry.value)),
    )
}

/// Writes `entries` for `ticket` (idempotent; empty values are skipped).
pub async fn put(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
    entries: &[Entry],
) -> Result<(), RepoError> {
    let items: Vec<Item> = entries
        .iter()
        .filter(|e| !e.value.is_empty())
        .map(|entry| {
            Item::new(
                entry_key(tenant, entry, ticket),
                json!({ "ticket_id": ticket, "field": entry.field }),
            )
        })
        .collect();
    stream::iter(items)
        .map(|item| store.put(item, Condition::None))
        .buffer_unordered(CONCURRENT_PUTS)
        .try_collect::<()>()
        .await
        .map_err(RepoError::from)
}

/// How a value is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Exactly the value.
    Exact,
    /// The value and every longer value starting with it (exact ones first).
    Prefix,
}

/// Tickets with an entry of `kind` for `value`, in key order (by value, then ticket id;
/// `newest_first` reverses it), at most `limit` (≤ 1000): one store query.
pub async fn find(
    store: &dyn Store,
    tenant: &TenantId,
    kind: EntryKind,
    value: &str,
    how: Match,
    newest_first: bool,
    limit: u32,
) -> Result<Vec<Hit>, RepoError> {
    let mut prefix = value_prefix(kind, value);
    if how == Match::Exact {
        prefix.push('#');
    }
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(prefix))
        .limit(limit.min(MAX_QUERY_LIMIT));
    if newest_first {
        query = query.descending();
    }
    let page = store.query(&query).await?;
    page.items
        .iter()
        .map(|item| {
            #[derive(Deserialize)]
            struct Body {
                ticket_id: TicketId,
                field: MatchField,
            }
            let body: Body = super::decode(item)?;
            Ok(Hit {
                ticket: body.ticket_id,
                field: body.field,
            })
        })
        .collect()
}

/// The entry linking a ticket to its CRM customer.
pub fn customer_entry(customer: &CustomerId) -> Entry {
    Entry {
        kind: EntryKind::Customer,
        value: customer.to_string(),
        field: MatchField::CustomerName,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_low_characters_are_encoded_so_exact_values_sort_first() {
        assert_eq!(encode_value("a#b c%"), "a%23b%20c%25");
        let exact = format!("{}#t1", value_prefix(EntryKind::Id, "jan"));
        let longer = format!("{}#t2", value_prefix(EntryKind::Id, "jan kowalski"));
        let dashed = format!("{}#t3", value_prefix(EntryKind::Id, "jan-k"));
        assert!(exact < longer && exact < dashed);
    }
}
