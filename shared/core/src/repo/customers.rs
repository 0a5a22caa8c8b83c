//! CRM customers in the store, findable by any named custom field.
//!
//! Each (field, value) pair of a customer has a guard item, which both finds the customer by
//! that value and makes two ingest workers meeting the same new buyer create one customer;
//! GSI3 lists a tenant's customers by name.

use super::{decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::Customer;
use crate::ids::{CustomerId, TenantId};
use crate::ports::{
    Condition, Index, Item, PageCursor, Query, SortKeyCondition, Store, StoreError, WriteOp,
};
use serde_json::json;

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

/// Creates a customer with a guard per custom field value. When another customer already
/// holds one of those values, returns that customer's id instead (`Ok(existing_id)`).
pub async fn create(store: &dyn Store, customer: &Customer) -> Result<CustomerId, RepoError> {
    let mut ops = vec![WriteOp::Put {
        item: customer_item(customer, 1),
        condition: Condition::NotExists,
    }];
    for (field, value) in &customer.custom_fields {
        ops.push(WriteOp::Put {
            item: Item::new(
                keys::customer_field_guard(&customer.tenant_id, field, value),
                json!({ "customer_id": customer.id }),
            ),
            condition: Condition::NotExists,
        });
    }
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
    let id = guard
        .data
        .get("customer_id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| RepoError::Corrupt {
            pk: guard.key.pk.clone(),
            sk: guard.key.sk.clone(),
            reason: "guard without customer_id".into(),
        })?;
    Ok(Some(CustomerId::from(id)))
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
