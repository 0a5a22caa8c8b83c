//! Poll cursors in the store.

use super::{decode, encode, keys, RepoError};
use crate::domain::{Channel, PollCursor};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, Item, Store};

/// The cursor of one channel of an integration; a fresh cursor when never polled.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    channel: Channel,
) -> Result<PollCursor, RepoError> {
    match store
        .get(&keys::cursor(tenant, integration, channel))
        .await?
    {
        Some(item) => decode(&item),
        None => Ok(PollCursor {
            tenant_id: tenant.clone(),
            integration_id: integration.clone(),
            channel,
            position: None,
            polled_at: None,
        }),
    }
}

/// Stores the cursor (last writer wins: one poll job per channel runs at a time).
pub async fn save(store: &dyn Store, cursor: &PollCursor) -> Result<(), RepoError> {
    let key = keys::cursor(&cursor.tenant_id, &cursor.integration_id, cursor.channel);
    store
        .put(Item::new(key, encode(cursor)), Condition::None)
        .await?;
    Ok(())
}

/// Forgets the cursor of one channel of an integration (when the integration is deleted).
pub async fn delete(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    channel: Channel,
) -> Result<(), RepoError> {
    store
        .delete(&keys::cursor(tenant, integration, channel), Condition::None)
        .await?;
    Ok(())
}
