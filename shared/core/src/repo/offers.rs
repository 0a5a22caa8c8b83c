//! An account's Allegro offers in the store: `OFFER#<offer id>` items in the account's offer
//! partition (`keys::offers_partition`), and for each linked offer two index items in the
//! tenant's partition, written in the same transaction as the offer: `OFFERLINK#<integration>#
//! <offer>` (the account has links, so it cannot be deleted: `repo::offer_links`) and
//! `PRODUCTOFFER#<sku>#<integration>#<offer>` (a product's offers, for stock and price pushes).

use super::{decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::offer::MarketOffer;
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{
    Condition, Item, PageCursor, Query, SortKeyCondition, Store, StoreError, WriteOp,
};
use serde::{Deserialize, Serialize};

/// Where a linked offer lives, as the product's index names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedOffer {
    /// The account.
    pub integration_id: IntegrationId,
    /// The offer number.
    pub offer_id: String,
}

/// The offer with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    offer_id: &str,
) -> Result<Option<Versioned<MarketOffer>>, RepoError> {
    get_versioned(store, &keys::offer(tenant, integration, offer_id)).await
}

/// Writes `offer` over `before` (the version read; `None`: it must be new), moving its link
/// index items when its product changed, all or nothing. A lost race answers
/// `RepoError::Store(StoreError::ConditionFailed)` ([`super::is_conflict`]): read again.
pub async fn save(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    offer: &MarketOffer,
    before: Option<&Versioned<MarketOffer>>,
) -> Result<(), RepoError> {
    let (version, condition) = match before {
        Some(read) => (read.version + 1, Condition::VersionIs(read.version)),
        None => (1, Condition::NotExists),
    };
    let mut ops = vec![WriteOp::Put {
        item: Item {
            version,
            ..Item::new(keys::offer(tenant, integration, &offer.id), encode(offer))
        },
        condition,
    }];
    let old_sku = before.and_then(|read| read.value.product_sku.as_deref());
    let new_sku = offer.product_sku.as_deref();
    if old_sku != new_sku {
        let link = LinkedOffer {
            integration_id: integration.clone(),
            offer_id: offer.id.clone(),
        };
        if let Some(old) = old_sku {
            ops.push(WriteOp::Delete {
                key: keys::product_offer(tenant, old, integration, &offer.id),
                condition: Condition::None,
            });
        }
        match new_sku {
            Some(sku) => {
                ops.push(WriteOp::Put {
                    item: Item::new(
                        keys::product_offer(tenant, sku, integration, &offer.id),
                        encode(&link),
                    ),
                    condition: Condition::None,
                });
                if old_sku.is_none() {
                    ops.push(WriteOp::Put {
                        item: Item::new(
                            keys::offer_link(tenant, integration, &offer.id),
                            encode(&link),
                        ),
                        condition: Condition::None,
                    });
                }
            }
            None => ops.push(WriteOp::Delete {
                key: keys::offer_link(tenant, integration, &offer.id),
                condition: Condition::None,
            }),
        }
    }
    match store.transact(ops).await {
        // Only the offer item has a condition, so a cancelled transaction is a lost race.
        Err(StoreError::TransactionCancelled(_)) => Err(StoreError::ConditionFailed.into()),
        other => Ok(other?),
    }
}

/// One page of an account's offers by offer number.
pub async fn page(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<MarketOffer>, Option<PageCursor>), RepoError> {
    let query = Query::partition(keys::offers_partition(tenant, integration))
        .sort(SortKeyCondition::BeginsWith(keys::OFFER_PREFIX.into()))
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let offers = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((offers, page.next))
}

/// One page of the offers linked to product `sku`, in every account of the tenant.
pub async fn linked_to_product(
    store: &dyn Store,
    tenant: &TenantId,
    sku: &str,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<LinkedOffer>, Option<PageCursor>), RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::product_offers_prefix(
            sku,
        )))
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let links = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((links, page.next))
}
