//! OAuth authorization requests in flight: the `state` sent to the marketplace, with what is
//! needed to finish the flow. Single use and short-lived.

use super::{decode, encode, RepoError};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, Item, Key, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One pending authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The random `state` value (also the key).
    pub state: String,
    /// The tenant connecting an account.
    pub tenant_id: TenantId,
    /// The integration being connected.
    pub integration_id: IntegrationId,
    /// The PKCE verifier matching the challenge sent.
    pub pkce_verifier: String,
    /// The redirect URI sent (the token exchange must repeat it).
    pub redirect_uri: String,
    /// After this the state is refused.
    pub expires_at: DateTime<Utc>,
}

fn key(state: &str) -> Key {
    super::keys::oauth_state(state)
}

/// Stores a new pending authorization.
pub async fn put(store: &dyn Store, pending: &PendingAuthorization) -> Result<(), RepoError> {
    let item = Item::new(key(&pending.state), encode(pending))
        .with_expiry(pending.expires_at.timestamp() + 3600);
    store.put(item, Condition::NotExists).await?;
    Ok(())
}

/// Takes a pending authorization out (single use). `None` when unknown, already used or expired.
pub async fn take(
    store: &dyn Store,
    state: &str,
    now: DateTime<Utc>,
) -> Result<Option<PendingAuthorization>, RepoError> {
    let Some(item) = store.get(&key(state)).await? else {
        return Ok(None);
    };
    match store
        .delete(&key(state), Condition::VersionIs(item.version))
        .await
    {
        Ok(()) => {}
        // Another callback took it first: single use.
        Err(StoreError::ConditionFailed) => return Ok(None),
        Err(other) => return Err(other.into()),
    }
    let pending: PendingAuthorization = decode(&item)?;
    Ok((pending.expires_at > now).then_some(pending))
}
