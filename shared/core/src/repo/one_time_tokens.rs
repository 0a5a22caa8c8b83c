//! Single-use tokens sent by e-mail (invitations, password resets), keyed by the SHA-256 of
//! the token and taken out with a conditional delete, so a token works once.

use super::{decode, encode, keys, RepoError};
use crate::domain::Actor;
use crate::ids::{TenantId, UserId};
use crate::ports::{Condition, Item, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// Accepting an invitation: set name and password.
    Invitation,
    /// Choosing a new password.
    PasswordReset,
}

impl TokenPurpose {
    fn kind(self) -> &'static str {
        match self {
            TokenPurpose::Invitation => "INVITE",
            TokenPurpose::PasswordReset => "PWRESET",
        }
    }
}

/// One token in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    /// What it is for.
    pub purpose: TokenPurpose,
    /// The user's tenant.
    pub tenant_id: TenantId,
    /// The user it acts for.
    pub user_id: UserId,
    /// After this the token is refused.
    pub expires_at: DateTime<Utc>,
    /// Who asked for it (the inviting admin; `None` for resets asked by the user).
    pub created_by: Option<Actor>,
}

/// Stores a new token under the hash of its text.
pub async fn put(
    store: &dyn Store,
    token_hash: &str,
    token: &StoredToken,
) -> Result<(), RepoError> {
    let item = Item::new(
        keys::one_time_token(token.purpose.kind(), token_hash),
        encode(token),
    )
    // Kept a day past expiry so the backend's lazy TTL deletion never races a valid use.
    .with_expiry(token.expires_at.timestamp() + 86_400);
    super::create_result(store.put(item, Condition::NotExists).await)
}

/// Takes a token out (single use): `None` when unknown, used already or expired.
pub async fn take(
    store: &dyn Store,
    purpose: TokenPurpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredToken>, RepoError> {
    let key = keys::one_time_token(purpose.kind(), token_hash);
    let Some(item) = store.get(&key).await? else {
        return Ok(None);
    };
    match store.delete(&key, Condition::VersionIs(item.version)).await {
        Ok(()) => {}
        // Another request took it first: single use.
        Err(StoreError::ConditionFailed) => return Ok(None),
        Err(other) => return Err(other.into()),
    }
    let token: StoredToken = decode(&item)?;
    Ok((token.purpose == purpose && token.expires_at > now).then_some(token))
}
