//! CRM customers in the store, findable by any named custom field, by e-mail address and by
//! any word of the name.
//!
//! Items of one customer, all in the tenant partition and written in one transaction with it:
//! a guard per identifying (field, value) pair (`CUSTFIELD#`, unique: it finds the customer and
//! makes two ingest workers meeting the same new buyer create one customer), an item per
//! folded name word (`CUSTNAME#<word>#<id>`) and per e-mail address (`CUSTEMAIL#<address>#<id>`),
//! and a link per ticket (`CUSTTICKET#<id>#<ticket>`, written with the ticket). GSI3 lists a
//! tenant's customers by full name.

use super::{decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::{words, Actor, Customer, FieldValue};
use crate::ids::{CustomerId, TenantId, TicketId};
use crate::ports::{
    Condition, Index, Item, Key, PageCursor, Query, SortKeyCondition, Store, StoreError, WriteOp,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Most name words indexed per customer (a longer name is still found by its first words).
pub const MAX_NAME_WORDS: usize = 8;

/// An e-mail address as its lookup item has it: trimmed, lower case.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_lowercase()
}

fn customer_item(customer: &Customer, version: u64) -> Item {
    Item {
        version,
        ..Item::new(
            keys::customer(&customer.tenant_id, &customer.id),
            encode(customer),
        )
    }
    .with_index(
        Index::Gsi3,
        keys::customer_name_index(&customer.tenant_id, &customer.name, &customer.id),
    )
}

fn guard_item(tenant: &TenantId, pair: &FieldValue, owner: &CustomerId) -> Item {
    Item::new(
        keys::customer_field_guard(tenant, &pair.field, &pair.value),
        json!({ "customer_id": owner }),
    )
}

/// The lookup items (name words, e-mail addresses) a customer needs, by key.
fn lookup_items(customer: &Customer) -> BTreeMap<Key, Item> {
    let tenant = &customer.tenant_id;
    let pointer = json!({ "customer_id": customer.id });
    let mut items = BTreeMap::new();
    for word in words::words(&customer.name, MAX_NAME_WORDS) {
        let key = keys::customer_name_word(tenant, &word, &customer.id);
        items.insert(key.clone(), Item::new(key, pointer.clone()));
    }
    for email in &customer.emails {
        let email = normalize_email(email);
        if email.is_empty() || email.contains('#') {
            continue;
        }
        let key = keys::customer_email(tenant, &email, &customer.id);
        items.insert(key.clone(), Item::new(key, pointer.clone()));
    }
    items
}

/// Writes every lookup item (name words, e-mail addresses) `customer` needs, whatever is
/// stored (idempotent puts): the backfill for customers stored before these items existed.
pub async fn restore_lookups(store: &dyn Store, customer: &Customer) -> Result<usize, RepoError> {
    let items = lookup_items(customer);
    let count = items.len();
    for (_, item) in items {
        store.put(item, Condition::None).await?;
    }
    Ok(count)
}

/// The writes that turn `before`'s lookup items into `after`'s (none when both are equal).
fn lookup_changes(before: Option<&Customer>, after: Option<&Customer>) -> Vec<WriteOp> {
    let old = before.map(lookup_items).unwrap_or_default();
    let new = after.map(lookup_items).unwrap_or_default();
    let mut ops: Vec<WriteOp> = old
        .keys()
        .filter(|key| !new.contains_key(*key))
        .map(|key| WriteOp::Delete {
            key: key.clone(),
            condition: Condition::None,
        })
        .collect();
    ops.extend(
        new.into_iter()
            .filter(|(key, _)| !old.contains_key(key))
            .map(|(_, item)| WriteOp::Put {
                item,
                condition: Condition::None,
            }),
    );
    ops
}

fn guard_keys(customer: &Customer) -> BTreeMap<Key, FieldValue> {
    customer
        .identifying_values()
        .into_iter()
        .map(|pair| {
            (
                keys::customer_field_guard(&customer.tenant_id, &pair.field, &pair.value),
                pair,
            )
        })
        .collect()
}

/// Creates a customer with a guard per custom field value and its lookup items. When another
/// customer already holds one of those values, returns that customer's id instead
/// (`Ok(existing_id)`).
pub async fn create(store: &dyn Store, customer: &Customer) -> Result<CustomerId, RepoError> {
    let mut ops = vec![WriteOp::Put {
        item: customer_item(customer, 1),
        condition: Condition::NotExists,
    }];
    for pair in guard_keys(customer).values() {
        ops.push(WriteOp::Put {
            item: guard_item(&customer.tenant_id, pair, &customer.id),
            condition: Condition::NotExists,
        });
    }
    ops.extend(lookup_changes(None, Some(customer)));
    match store.transact(ops).await {
        Ok(()) => Ok(customer.id.clone()),
        Err(StoreError::TransactionCancelled(_)) => {
            for (field, value) in &customer.custom_fields {
                if let Some(existing) =
                    find_by_field(store, &customer.tenant_id, field, value).await?
                {
                    return Ok(existing);
                }
            }
            Err(RepoError::AlreadyExists)
        }
        Err(other) => Err(other.into()),
    }
}

/// Why a customer's change was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CustomerWriteError {
    /// The store failed, or the customer changed since it was read (`repo::is_conflict`).
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// Another customer already holds this field value.
    #[error("{field} = {value:?} belongs to customer {holder}")]
    FieldTaken {
        /// The field.
        field: String,
        /// The value.
        value: String,
        /// The customer holding it.
        holder: CustomerId,
    },
}

/// Replaces a customer read at `stored` with `next`, moving its guards and lookup items along
/// in the same transaction.
pub async fn update(
    store: &dyn Store,
    stored: &Versioned<Customer>,
    next: &Customer,
) -> Result<(), CustomerWriteError> {
    let tenant = &next.tenant_id;
    let old_guards = guard_keys(&stored.value);
    let new_guards = guard_keys(next);
    let mut ops = vec![WriteOp::Put {
        item: customer_item(next, stored.version + 1),
        condition: Condition::VersionIs(stored.version),
    }];
    for key in old_guards
        .keys()
        .filter(|key| !new_guards.contains_key(*key))
    {
        ops.push(WriteOp::Delete {
            key: key.clone(),
            condition: Condition::None,
        });
    }
    let added: Vec<&FieldValue> = new_guards
        .iter()
        .filter(|(key, _)| !old_guards.contains_key(*key))
        .map(|(_, pair)| pair)
        .collect();
    for pair in &added {
        ops.push(WriteOp::Put {
            item: guard_item(tenant, pair, &next.id),
            condition: Condition::NotExists,
        });
    }
    ops.extend(lookup_changes(Some(&stored.value), Some(next)));
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => {
            for pair in added {
                if let Some(holder) = find_by_field(store, tenant, &pair.field, &pair.value).await?
                {
                    if holder != next.id {
                        return Err(CustomerWriteError::FieldTaken {
                            field: pair.field.clone(),
                            value: pair.value.clone(),
                            holder,
                        });
                    }
                }
            }
            Err(RepoError::Store(StoreError::ConditionFailed).into())
        }
        Err(other) => Err(RepoError::from(other).into()),
    }
}

/// Where a merged-away customer went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedInto {
    /// The customer kept.
    pub into: CustomerId,
    /// When the merge was stored.
    pub merged_at: DateTime<Utc>,
    /// Who merged.
    pub merged_by: Option<Actor>,
}

/// The last step of a merge, in one transaction: `kept` becomes `next` (which has absorbed
/// `other`), `other` is removed, its field guards point at `next`, its lookup items go,
/// `next`'s new ones are written, and `other` leaves a [`MergedInto`] record.
pub async fn merge(
    store: &dyn Store,
    kept: &Versioned<Customer>,
    next: &Customer,
    other: &Versioned<Customer>,
    record: &MergedInto,
) -> Result<(), RepoError> {
    let tenant = &next.tenant_id;
    let mut ops = vec![
        WriteOp::Put {
            item: customer_item(next, kept.version + 1),
            condition: Condition::VersionIs(kept.version),
        },
        WriteOp::Delete {
            key: keys::customer(tenant, &other.value.id),
            condition: Condition::VersionIs(other.version),
        },
        WriteOp::Put {
            item: Item::new(
                keys::customer_merged(tenant, &other.value.id),
                encode(record),
            ),
            condition: Condition::NotExists,
        },
    ];
    for pair in guard_keys(&other.value).values() {
        ops.push(WriteOp::Put {
            item: guard_item(tenant, pair, &next.id),
            condition: Condition::None,
        });
    }
    ops.extend(lookup_changes(Some(&other.value), None));
    ops.extend(lookup_changes(Some(&kept.value), Some(next)));
    store.transact(ops).await?;
    Ok(())
}

/// Where `id` was merged into, if it was.
pub async fn merged_into(
    store: &dyn Store,
    tenant: &TenantId,
    id: &CustomerId,
) -> Result<Option<MergedInto>, RepoError> {
    Ok(get_versioned(store, &keys::customer_merged(tenant, id))
        .await?
        .map(|v| v.value))
}

/// The customer whose custom field `field` holds exactly `value`.
pub async fn find_by_field(
    store: &dyn Store,
    tenant: &TenantId,
    field: &str,
    value: &str,
) -> Result<Option<CustomerId>, RepoError> {
    let Some(guard) = store
        .get(&keys::customer_field_guard(tenant, field, value))
        .await?
    else {
        return Ok(None);
    };
    pointed_customer(&guard).map(Some)
}

fn pointed_customer(item: &Item) -> Result<CustomerId, RepoError> {
    item.data
        .get("customer_id")
        .and_then(|v| v.as_str())
        .map(CustomerId::from)
        .ok_or_else(|| RepoError::Corrupt {
            pk: item.key.pk.clone(),
            sk: item.key.sk.clone(),
            reason: "lookup item without customer_id".into(),
        })
}

/// The customer with its version, if it exists in this tenant.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &CustomerId,
) -> Result<Option<Versioned<Customer>>, RepoError> {
    get_versioned(store, &keys::customer(tenant, id)).await
}

/// One page of the tenant's customers whose name starts with `prefix` (case-insensitive), by name.
pub async fn list_by_name(
    store: &dyn Store,
    tenant: &TenantId,
    prefix: &str,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<Customer>, Option<PageCursor>), RepoError> {
    let query = Query::index(Index::Gsi3, keys::customer_name_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::customer_name_prefix(
            prefix,
        )))
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let customers = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((customers, page.next))
}

/// One page of lookup items under `prefix` in the tenant partition: the customers they point
/// at, with the item's sort key.
async fn lookup_page(
    store: &dyn Store,
    tenant: &TenantId,
    prefix: String,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<(String, CustomerId)>, Option<PageCursor>), RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(prefix))
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let found = page
        .items
        .iter()
        .map(|item| Ok((item.key.sk.clone(), pointed_customer(item)?)))
        .collect::<Result<_, RepoError>>()?;
    Ok((found, page.next))
}

/// One page of the customers having a name word that starts with `word_prefix` (folded), in
/// word order, each with the word that matched (a customer with two matching words appears
/// once per word).
pub async fn page_by_name_word(
    store: &dyn Store,
    tenant: &TenantId,
    word_prefix: &str,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<(String, CustomerId)>, Option<PageCursor>), RepoError> {
    let prefix = keys::customer_name_word_prefix(word_prefix);
    let (found, next) = lookup_page(store, tenant, prefix.clone(), after, limit).await?;
    let found = found
        .into_iter()
        .filter_map(|(sk, id)| {
            let rest = sk.strip_prefix("CUSTNAME#")?;
            let word = rest.strip_suffix(&format!("#{id}"))?;
            Some((word.to_owned(), id))
        })
        .collect();
    Ok((found, next))
}

/// One page of the customers with this e-mail address (any case), by id.
pub async fn page_by_email(
    store: &dyn Store,
    tenant: &TenantId,
    email: &str,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<CustomerId>, Option<PageCursor>), RepoError> {
    let prefix = keys::customer_email_prefix(&normalize_email(email));
    let (found, next) = lookup_page(store, tenant, prefix, after, limit).await?;
    Ok((found.into_iter().map(|(_, id)| id).collect(), next))
}

/// The write linking a new ticket to its customer (part of the ticket's creation).
pub fn ticket_link(tenant: &TenantId, customer: &CustomerId, ticket: &TicketId) -> WriteOp {
    WriteOp::Put {
        item: Item::new(
            keys::customer_ticket(tenant, customer, ticket),
            json!({ "ticket_id": ticket }),
        ),
        condition: Condition::None,
    }
}

/// Up to `limit` tickets linked to a customer (the first ones by id).
pub async fn linked_tickets(
    store: &dyn Store,
    tenant: &TenantId,
    customer: &CustomerId,
    limit: u32,
) -> Result<Vec<TicketId>, RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::customer_tickets_prefix(
            customer,
        )))
        .limit(limit);
    let page = store.query(&query).await?;
    page.items
        .iter()
        .map(|item| {
            item.data
                .get("ticket_id")
                .and_then(|v| v.as_str())
                .map(TicketId::from)
                .ok_or_else(|| RepoError::Corrupt {
                    pk: item.key.pk.clone(),
                    sk: item.key.sk.clone(),
                    reason: "ticket link without ticket_id".into(),
                })
        })
        .collect()
}

/// Removes a ticket link (its ticket is gone or belongs to someone else).
pub async fn unlink_ticket(
    store: &dyn Store,
    tenant: &TenantId,
    customer: &CustomerId,
    ticket: &TicketId,
) -> Result<(), RepoError> {
    store
        .delete(
            &keys::customer_ticket(tenant, customer, ticket),
            Condition::None,
        )
        .await?;
    Ok(())
}
