//! The product catalogue in the store: `PRODUCT#<sku>` items, `PRODUCTEAN#<ean>` items naming
//! the one product that holds an EAN, `PRODUCTCHANGE#<sku>#<time>#<n>` change records and
//! `PRICELIST#<name>` items.

use super::keys::sortable;
use super::{create_result, decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::product::{PriceList, Product, ProductChange};
use crate::ids::TenantId;
use crate::ports::{
    Condition, Item, PageCursor, Query, SortKeyCondition, Store, StoreError, WriteOp,
};
use serde::{Deserialize, Serialize};

/// Why a product could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The product changed (or was created) since it was read; read again and retry.
    #[error("the product changed meanwhile")]
    Changed,
    /// Another product holds the EAN.
    #[error("another product holds this EAN")]
    EanTaken,
    /// The store failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

#[derive(Serialize, Deserialize)]
struct EanOwner {
    sku: String,
}

/// The product with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    sku: &str,
) -> Result<Option<Versioned<Product>>, RepoError> {
    get_versioned(store, &keys::product(tenant, sku)).await
}

/// The SKU of the product holding `ean`.
pub async fn owner_of_ean(
    store: &dyn Store,
    tenant: &TenantId,
    ean: &str,
) -> Result<Option<String>, RepoError> {
    match store.get(&keys::product_ean(tenant, ean)).await? {
        Some(item) => Ok(Some(decode::<EanOwner>(&item)?.sku)),
        None => Ok(None),
    }
}

/// Writes `product` over `before` (the version read; `None`: it must be new) with its change
/// records and its EAN's owner item, all or nothing.
pub async fn save(
    store: &dyn Store,
    tenant: &TenantId,
    product: &Product,
    before: Option<&Versioned<Product>>,
    changes: &[ProductChange],
) -> Result<(), SaveError> {
    let (version, condition) = match before {
        Some(read) => (read.version + 1, Condition::VersionIs(read.version)),
        None => (1, Condition::NotExists),
    };
    let mut ops = vec![WriteOp::Put {
        item: Item {
            version,
            ..Item::new(keys::product(tenant, &product.sku), encode(product))
        },
        condition,
    }];
    let old_ean = before.and_then(|read| read.value.ean.as_deref());
    let mut ean_op = None;
    if old_ean != product.ean.as_deref() {
        if let Some(old) = old_ean {
            ops.push(WriteOp::Delete {
                key: keys::product_ean(tenant, old),
                condition: Condition::None,
            });
        }
        if let Some(new) = &product.ean {
            ean_op = Some(ops.len());
            let owner = EanOwner {
                sku: product.sku.clone(),
            };
            ops.push(WriteOp::Put {
                item: Item::new(keys::product_ean(tenant, new), encode(&owner)),
                condition: Condition::NotExists,
            });
        }
    }
    let time = sortable(product.updated_at);
    for (n, change) in changes.iter().enumerate() {
        ops.push(WriteOp::Put {
            item: Item::new(
                keys::product_change(tenant, &product.sku, &time, version, n),
                encode(change),
            ),
            condition: Condition::None,
        });
    }
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(failed)) => {
            if ean_op.is_some_and(|op| failed.contains(&op)) && !failed.contains(&0) {
                Err(SaveError::EanTaken)
            } else {
                Err(SaveError::Changed)
            }
        }
        Err(e) => Err(SaveError::Repo(e.into())),
    }
}

/// One page of the tenant's products by SKU.
pub async fn page(
    store: &dyn Store,
    tenant: &TenantId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<Product>, Option<PageCursor>), RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::PRODUCT_PREFIX.into()))
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let products = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((products, page.next))
}

/// One page of a product's recorded changes, newest first.
pub async fn changes(
    store: &dyn Store,
    tenant: &TenantId,
    sku: &str,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<ProductChange>, Option<PageCursor>), RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::product_changes_prefix(
            sku,
        )))
        .descending()
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let changes = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((changes, page.next))
}

/// Stores a new price list.
pub async fn create_price_list(
    store: &dyn Store,
    tenant: &TenantId,
    list: &PriceList,
) -> Result<(), RepoError> {
    let item = Item::new(keys::price_list(tenant, &list.name), encode(list));
    create_result(store.put(item, Condition::NotExists).await)
}

/// The tenant's stored price lists by name (their number is capped when they are created).
pub async fn price_lists(
    store: &dyn Store,
    tenant: &TenantId,
) -> Result<Vec<PriceList>, RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::PRICE_LIST_PREFIX.into()))
        .limit(100);
    let page = store.query(&query).await?;
    page.items.iter().map(decode).collect()
}
