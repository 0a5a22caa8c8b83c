//! Integrations in the store.

use super::{create_result, decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::Integration;
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, Index, Item, PageCursor, Query, SortKeyCondition, Store};

fn item_for(integration: &Integration, version: u64) -> Item {
    Item {
        version,
        ..Item::new(
            keys::integration(&integration.tenant_id, &integration.id),
            encode(integration),
        )
    }
    .with_index(
        Index::Gsi1,
        keys::integration_index(&integration.tenant_id, &integration.id),
    )
}

/// Creates an integration; refuses an existing id.
pub async fn create(store: &dyn Store, integration: &Integration) -> Result<(), RepoError> {
    create_result(
        store
            .put(item_for(integration, 1), Condition::NotExists)
            .await,
    )
}

/// The integration with its version, if it exists in this tenant.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &IntegrationId,
) -> Result<Option<Versioned<Integration>>, RepoError> {
    get_versioned(store, &keys::integration(tenant, id)).await
}

/// Replaces the integration if it is still at `read_version`; otherwise `Store(ConditionFailed)`.
pub async fn update(
    store: &dyn Store,
    integration: &Integration,
    read_version: u64,
) -> Result<(), RepoError> {
    let item = item_for(integration, read_version + 1);
    store.put(item, Condition::VersionIs(read_version)).await?;
    Ok(())
}

/// One page of every tenant's integrations (the scheduler's fan-out).
pub async fn list_all(
    store: &dyn Store,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<Integration>, Option<PageCursor>), RepoError> {
    let page = store
        .query(
            &Query::index(Index::Gsi1, keys::ALL_INTEGRATIONS)
                .limit(limit)
                .after(after),
        )
        .await?;
    let integrations = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((integrations, page.next))
}

/// Every integration of one tenant, in id order (creation order for generated ids).
pub async fn list_for_tenant(
    store: &dyn Store,
    tenant: &TenantId,
) -> Result<Vec<Integration>, RepoError> {
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(
            keys::INTEGRATION_PREFIX.to_owned(),
        ))
        .limit(500);
    let mut all = Vec::new();
    loop {
        let page = store.query(&query).await?;
        for item in &page.items {
            all.push(decode(item)?);
        }
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// Deletes the integration's item if it is still at `read_version` (its tickets stay).
pub async fn delete(
    store: &dyn Store,
    tenant: &TenantId,
    id: &IntegrationId,
    read_version: u64,
) -> Result<(), RepoError> {
    store
        .delete(
            &keys::integration(tenant, id),
            Condition::VersionIs(read_version),
        )
        .await?;
    Ok(())
}
