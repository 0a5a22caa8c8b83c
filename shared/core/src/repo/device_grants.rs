//! Device-flow grants waiting for the seller to confirm (OAuth device flow). The device code
//! itself is a credential and lives in the secrets port (`keys::device_code_secret`).

use super::{encode, keys, RepoError};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, Item, Query, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many waiting grants one scheduler tick looks at.
const PAGE: u32 = 100;

/// A device-flow grant waiting for the seller to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDevice {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The integration being connected.
    pub integration_id: IntegrationId,
    /// When the codes stop working.
    pub expires_at: DateTime<Utc>,
    /// Earliest time for the next poll.
    pub next_poll_at: DateTime<Utc>,
    /// Seconds between polls.
    pub interval_seconds: i64,
}

/// A stored grant with the item it was read from (its version guards the next write).
#[derive(Debug, Clone)]
pub struct StoredDevice {
    /// The grant.
    pub grant: PendingDevice,
    item: Item,
}

/// Stores (or replaces) the grant of its integration; the item expires an hour after the codes.
pub async fn put(store: &dyn Store, grant: &PendingDevice) -> Result<(), RepoError> {
    let item = Item::new(
        keys::device_grant(&grant.tenant_id, &grant.integration_id),
        encode(grant),
    )
    .with_expiry(grant.expires_at.timestamp() + 3600);
    store.put(item, Condition::None).await?;
    Ok(())
}

/// The waiting grants (one page); items that do not decode are left out.
pub async fn list(store: &dyn Store) -> Result<Vec<StoredDevice>, RepoError> {
    let page = store
        .query(&Query::partition(keys::DEVICE_GRANTS).limit(PAGE))
        .await?;
    Ok(page
        .items
        .into_iter()
        .filter_map(|item| {
            let grant = serde_json::from_value::<PendingDevice>(item.data.clone()).ok()?;
            Some(StoredDevice { grant, item })
        })
        .collect())
}

/// Writes `next` over `stored` unless someone else changed it meanwhile (then theirs stands).
pub async fn replace(
    store: &dyn Store,
    stored: &StoredDevice,
    next: &PendingDevice,
) -> Result<(), RepoError> {
    let updated = Item {
        version: stored.item.version + 1,
        data: encode(next),
        ..stored.item.clone()
    };
    match store
        .put(updated, Condition::VersionIs(stored.item.version))
        .await
    {
        Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Removes `grant`'s item.
pub async fn delete(store: &dyn Store, grant: &PendingDevice) -> Result<(), RepoError> {
    store
        .delete(
            &keys::device_grant(&grant.tenant_id, &grant.integration_id),
            Condition::None,
        )
        .await?;
    Ok(())
}
