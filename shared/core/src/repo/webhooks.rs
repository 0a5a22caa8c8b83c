//! Webhook endpoints and their deliveries in the store.
//!
//! | item | PK / SK | notes |
//! |---|---|---|
//! | endpoint | `TENANT#<t>` / `WEBHOOK#<id>` | at most [`MAX_WEBHOOKS`] per tenant: emitting an event reads them with one query |
//! | delivery | `TENANT#<t>#WEBHOOK#<id>` / `<delivery id>` | payload and attempts; ids are time-ordered, so the log reads newest first; `ttl` 30 days |

use super::{decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::{Webhook, WebhookDelivery};
use crate::ids::TenantId;
use crate::ports::{Condition, Item, Key, PageCursor, Query, SortKeyCondition, Store};

/// Most endpoints per tenant.
pub const MAX_WEBHOOKS: usize = 10;
/// How long deliveries stay in the log, in days.
pub const DELIVERY_RETENTION_DAYS: i64 = 30;

const WEBHOOK_PREFIX: &str = "WEBHOOK#";

fn key(tenant: &TenantId, id: &str) -> Key {
    Key::new(
        keys::tenant_partition(tenant),
        format!("{WEBHOOK_PREFIX}{id}"),
    )
}

fn deliveries_partition(tenant: &TenantId, webhook: &str) -> String {
    format!("{}#WEBHOOK#{webhook}", keys::tenant_partition(tenant))
}

fn delivery_key(tenant: &TenantId, webhook: &str, id: &str) -> Key {
    Key::new(deliveries_partition(tenant, webhook), id)
}

/// Stores a new endpoint.
pub async fn create(store: &dyn Store, webhook: &Webhook) -> Result<(), RepoError> {
    let item = Item::new(key(&webhook.tenant_id, &webhook.id), encode(webhook));
    super::create_result(store.put(item, Condition::NotExists).await)
}

/// One endpoint of the tenant with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<Versioned<Webhook>>, RepoError> {
    get_versioned(store, &key(tenant, id)).await
}

/// Every endpoint of the tenant, oldest first (one query: there are at most [`MAX_WEBHOOKS`]).
pub async fn list(store: &dyn Store, tenant: &TenantId) -> Result<Vec<Webhook>, RepoError> {
    let page = store
        .query(
            &Query::partition(keys::tenant_partition(tenant))
                .sort(SortKeyCondition::BeginsWith(WEBHOOK_PREFIX.to_owned()))
                .limit(MAX_WEBHOOKS as u32 + 1),
        )
        .await?;
    page.items.iter().map(decode).collect()
}

/// Replaces an endpoint read at `read_version`.
pub async fn update(
    store: &dyn Store,
    webhook: &Webhook,
    read_version: u64,
) -> Result<(), RepoError> {
    let item = Item {
        version: read_version + 1,
        ..Item::new(key(&webhook.tenant_id, &webhook.id), encode(webhook))
    };
    store.put(item, Condition::VersionIs(read_version)).await?;
    Ok(())
}

/// Deletes an endpoint read at `read_version` (its deliveries expire on their own).
pub async fn delete(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
    read_version: u64,
) -> Result<(), RepoError> {
    store
        .delete(&key(tenant, id), Condition::VersionIs(read_version))
        .await?;
    Ok(())
}

fn delivery_item(tenant: &TenantId, delivery: &WebhookDelivery, version: u64) -> Item {
    Item {
        version,
        ..Item::new(
            delivery_key(tenant, &delivery.webhook_id, &delivery.id),
            encode(delivery),
        )
        .with_expiry(
            (delivery.created_at + chrono::Duration::days(DELIVERY_RETENTION_DAYS)).timestamp(),
        )
    }
}

/// Stores a new delivery.
pub async fn create_delivery(
    store: &dyn Store,
    tenant: &TenantId,
    delivery: &WebhookDelivery,
) -> Result<(), RepoError> {
    super::create_result(
        store
            .put(delivery_item(tenant, delivery, 1), Condition::NotExists)
            .await,
    )
}

/// One delivery with its version.
pub async fn get_delivery(
    store: &dyn Store,
    tenant: &TenantId,
    webhook: &str,
    id: &str,
) -> Result<Option<Versioned<WebhookDelivery>>, RepoError> {
    get_versioned(store, &delivery_key(tenant, webhook, id)).await
}

/// Replaces a delivery read at `read_version`.
pub async fn update_delivery(
    store: &dyn Store,
    tenant: &TenantId,
    delivery: &WebhookDelivery,
    read_version: u64,
) -> Result<(), RepoError> {
    store
        .put(
            delivery_item(tenant, delivery, read_version + 1),
            Condition::VersionIs(read_version),
        )
        .await?;
    Ok(())
}

/// One page of an endpoint's deliveries, newest first.
pub async fn list_deliveries(
    store: &dyn Store,
    tenant: &TenantId,
    webhook: &str,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<WebhookDelivery>, Option<PageCursor>), RepoError> {
    let page = store
        .query(
            &Query::partition(deliveries_partition(tenant, webhook))
                .descending()
                .limit(limit)
                .after(after),
        )
        .await?;
    let deliveries = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((deliveries, page.next))
}
