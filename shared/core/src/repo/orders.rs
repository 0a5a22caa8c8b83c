//! Checkout forms and orders in the store (keys in docs/architecture.md).

use super::erp_feed::{self, Appended};
use super::{decode, encode, keys, RepoError, Versioned};
use crate::domain::checkout_form::StoredCheckoutForm;
use crate::domain::order::Order;
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{
    Condition, Index, IndexKey, Item, Key, PageCursor, Query, SortKeyCondition, Store, StoreError,
    WriteOp,
};
use chrono::{DateTime, Utc};

fn form_key(tenant: &TenantId, integration: &IntegrationId, form_id: &str) -> Key {
    Key::new(
        keys::tenant_partition(tenant),
        format!("CHECKOUT#{integration}#{form_id}"),
    )
}

fn order_key(tenant: &TenantId, order_id: &str) -> Key {
    Key::new(keys::tenant_partition(tenant), format!("ORDER#{order_id}"))
}

/// A stored checkout form, with its version.
pub async fn get_form(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    form_id: &str,
) -> Result<Option<Versioned<StoredCheckoutForm>>, RepoError> {
    match store.get(&form_key(tenant, integration, form_id)).await? {
        Some(item) => Ok(Some(Versioned {
            version: item.version,
            value: decode(&item)?,
        })),
        None => Ok(None),
    }
}

/// Writes a checkout form: new (`version` `None`) or over the version read. A paid form
/// waiting for an agent is in GSI2 `TENANT#<t>#PAID_FORMS` by update time (sparse).
pub async fn put_form(
    store: &dyn Store,
    stored: &StoredCheckoutForm,
    version: Option<u64>,
) -> Result<(), RepoError> {
    let mut item = Item::new(
        form_key(&stored.tenant_id, &stored.integration_id, &stored.form.id),
        encode(stored),
    );
    if stored.awaits_order() {
        item.indexes[1] = Some(IndexKey::new(
            format!("TENANT#{}#PAID_FORMS", stored.tenant_id),
            format!("{}#{}", stored.read_at.to_rfc3339(), stored.form.id),
        ));
    }
    let condition = match version {
        None => Condition::NotExists,
        Some(v) => {
            item.version = v + 1;
            Condition::VersionIs(v)
        }
    };
    store.put(item, condition).await?;
    Ok(())
}

/// One order.
pub async fn get_order(
    store: &dyn Store,
    tenant: &TenantId,
    order_id: &str,
) -> Result<Option<Versioned<Order>>, RepoError> {
    match store.get(&order_key(tenant, order_id)).await? {
        Some(item) => Ok(Some(Versioned {
            version: item.version,
            value: decode(&item)?,
        })),
        None => Ok(None),
    }
}

/// Creates an order unless it exists (`Ok(false)` then: a repeated event, another worker).
/// Listed in GSI1 `TENANT#<t>#ORDERS` by creation time, and appended to the ERP feed in the
/// same transaction (`repo::erp_feed`).
pub async fn create_order(store: &dyn Store, order: &Order) -> Result<bool, RepoError> {
    let mut item = Item::new(order_key(&order.tenant_id, &order.id), encode(order));
    item.indexes[0] = Some(orders_index(order));
    let op = WriteOp::Put {
        item,
        condition: Condition::NotExists,
    };
    Ok(erp_feed::write_with_entry(store, order, op).await? != Appended::OrderConditionFailed)
}

/// Writes a changed order over the version read, appending it to the ERP feed in the same
/// transaction; a changed version is `StoreError::ConditionFailed` (`repo::is_conflict`).
pub async fn update_order(store: &dyn Store, order: &Order, version: u64) -> Result<(), RepoError> {
    let mut item = Item::new(order_key(&order.tenant_id, &order.id), encode(order));
    item.indexes[0] = Some(orders_index(order));
    item.version = version + 1;
    let op = WriteOp::Put {
        item,
        condition: Condition::VersionIs(version),
    };
    match erp_feed::write_with_entry(store, order, op).await? {
        Appended::Written(_) => Ok(()),
        Appended::OrderConditionFailed => Err(StoreError::ConditionFailed.into()),
    }
}

fn orders_index(order: &Order) -> IndexKey {
    IndexKey::new(
        format!("TENANT#{}#ORDERS", order.tenant_id),
        format!("{}#{}", order.created_at.to_rfc3339(), order.id),
    )
}

/// One store page of the tenant's orders, newest first, created within `[from, to]` (either
/// bound open), from GSI1 `TENANT#<t>#ORDERS`.
pub async fn list_orders(
    store: &dyn Store,
    tenant: &TenantId,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<Order>, Option<PageCursor>), RepoError> {
    // `~` sorts after `#`: an order created exactly at `to` is inside.
    let sort = match (from, to) {
        (None, None) => SortKeyCondition::All,
        (Some(from), None) => SortKeyCondition::AtLeast(from.to_rfc3339()),
        (None, Some(to)) => SortKeyCondition::AtMost(format!("{}~", to.to_rfc3339())),
        (Some(from), Some(to)) => {
            SortKeyCondition::Between(from.to_rfc3339(), format!("{}~", to.to_rfc3339()))
        }
    };
    let page = store
        .query(&Query {
            index: Some(Index::Gsi1),
            partition: format!("TENANT#{tenant}#ORDERS"),
            sort,
            descending: true,
            limit,
            after,
        })
        .await?;
    let orders = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((orders, page.next))
}

/// One store page of the tenant's paid forms waiting for an agent (GSI2
/// `TENANT#<t>#PAID_FORMS`), oldest first. The index may lag: callers check `awaits_order`.
pub async fn list_paid_forms(
    store: &dyn Store,
    tenant: &TenantId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<StoredCheckoutForm>, Option<PageCursor>), RepoError> {
    let page = store
        .query(&Query {
            index: Some(Index::Gsi2),
            partition: format!("TENANT#{tenant}#PAID_FORMS"),
            sort: SortKeyCondition::All,
            descending: false,
            limit,
            after,
        })
        .await?;
    let forms = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((forms, page.next))
}
