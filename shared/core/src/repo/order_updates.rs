//! Order updates (fulfillment statuses and invoices sent to the marketplace) and their files,
//! in the order's tenant partition (keys in docs/architecture.md).

use super::{decode, encode, files, keys, RepoError, Versioned};
use crate::domain::order_update::OrderUpdate;
use crate::domain::FileRef;
use crate::ids::TenantId;
use crate::ports::{Condition, Item, Key, Query, SortKeyCondition, Store};

/// Most updates read for one order (an order gets a handful).
const LIST_LIMIT: u32 = 200;

fn updates_prefix(order_id: &str) -> String {
    format!("ORDER#{order_id}#UPDATE#")
}

fn update_key(tenant: &TenantId, order_id: &str, update_id: &str) -> Key {
    Key::new(
        keys::tenant_partition(tenant),
        format!("{}{update_id}", updates_prefix(order_id)),
    )
}

fn file_chunk_key(tenant: &TenantId, order_id: &str, update_id: &str, index: u32) -> Key {
    Key::new(
        keys::tenant_partition(tenant),
        format!("ORDER#{order_id}#FILE#{update_id}#{index:05}"),
    )
}

/// Stores a new update (its id is fresh: a clash is a conflict).
pub async fn create(store: &dyn Store, update: &OrderUpdate) -> Result<(), RepoError> {
    let item = Item::new(
        update_key(&update.tenant_id, &update.order_id, &update.id),
        encode(update),
    );
    super::create_result(store.put(item, Condition::NotExists).await)
}

/// One update, with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    order_id: &str,
    update_id: &str,
) -> Result<Option<Versioned<OrderUpdate>>, RepoError> {
    match store.get(&update_key(tenant, order_id, update_id)).await? {
        Some(item) => Ok(Some(Versioned {
            version: item.version,
            value: decode(&item)?,
        })),
        None => Ok(None),
    }
}

/// Writes a changed update over the version read.
pub async fn update(
    store: &dyn Store,
    update: &OrderUpdate,
    version: u64,
) -> Result<(), RepoError> {
    let mut item = Item::new(
        update_key(&update.tenant_id, &update.order_id, &update.id),
        encode(update),
    );
    item.version = version + 1;
    store.put(item, Condition::VersionIs(version)).await?;
    Ok(())
}

/// The order's updates, oldest first (ids are time-ordered).
pub async fn list(
    store: &dyn Store,
    tenant: &TenantId,
    order_id: &str,
) -> Result<Vec<OrderUpdate>, RepoError> {
    let page = store
        .query(&Query {
            index: None,
            partition: keys::tenant_partition(tenant),
            sort: SortKeyCondition::BeginsWith(updates_prefix(order_id)),
            descending: false,
            limit: LIST_LIMIT,
            after: None,
        })
        .await?;
    page.items.iter().map(decode).collect()
}

/// Stores an update's file (an invoice PDF) beside it.
pub async fn put_file(
    store: &dyn Store,
    tenant: &TenantId,
    order_id: &str,
    update_id: &str,
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Result<FileRef, RepoError> {
    let chunk_key = |index| file_chunk_key(tenant, order_id, update_id, index);
    files::put_chunks(store, &chunk_key, filename, content_type, data).await
}

/// The bytes of an update's file.
pub async fn get_file(
    store: &dyn Store,
    tenant: &TenantId,
    order_id: &str,
    update_id: &str,
    file: &FileRef,
) -> Result<Vec<u8>, RepoError> {
    let chunk_key = |index| file_chunk_key(tenant, order_id, update_id, index);
    files::get_chunks(store, &chunk_key, file).await
}
