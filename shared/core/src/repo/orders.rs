//! Checkout forms and orders in the store (keys in docs/architecture.md).

use super::{decode, encode, keys, RepoError, Versioned};
use crate::domain::order::{Order, StoredCheckoutForm};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, IndexKey, Item, Key, Store, StoreError};

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
/// Listed in GSI1 `TENANT#<t>#ORDERS` by creation time.
pub async fn create_order(store: &dyn Store, order: &Order) -> Result<bool, RepoError> {
    let mut item = Item::new(order_key(&order.tenant_id, &order.id), encode(order));
    item.indexes[0] = Some(orders_index(order));
    match store.put(item, Condition::NotExists).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Writes a changed order over the version read.
pub async fn update_order(store: &dyn Store, order: &Order, version: u64) -> Result<(), RepoError> {
    let mut item = Item::new(order_key(&order.tenant_id, &order.id), encode(order));
    item.indexes[0] = Some(orders_index(order));
    item.version = version + 1;
    store.put(item, Condition::VersionIs(version)).await?;
    Ok(())
}

fn orders_index(order: &Order) -> IndexKey {
    IndexKey::new(
        format!("TENANT#{}#ORDERS", order.tenant_id),
        format!("{}#{}", order.created_at.to_rfc3339(), order.id),
    )
}
