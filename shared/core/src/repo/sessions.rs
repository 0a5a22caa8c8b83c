//! Sessions of signed-in users, keyed by the SHA-256 of the session token. Items expire
//! with the session's absolute lifetime (store TTL); expiry and idle time are checked on
//! every use as well, since TTL deletion is lazy.

use super::{encode, get_versioned, keys, RepoError, Versioned};
use crate::ids::{TenantId, UserId};
use crate::ports::{Condition, Item, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    /// The user's tenant.
    pub tenant_id: TenantId,
    /// The signed-in user.
    pub user_id: UserId,
    /// The user's session generation at sign-in; a later generation ends this session.
    pub generation: u64,
    /// When the user signed in.
    pub created_at: DateTime<Utc>,
    /// Last request seen (updated at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
}

fn item(token_hash: &str, session: &StoredSession) -> Item {
    Item::new(keys::session(token_hash), encode(session))
        .with_expiry(session.expires_at.timestamp())
}

/// Stores a new session.
pub async fn create(
    store: &dyn Store,
    token_hash: &str,
    session: &StoredSession,
) -> Result<(), RepoError> {
    super::create_result(
        store
            .put(item(token_hash, session), Condition::NotExists)
            .await,
    )
}

/// The session whose token hashes to `token_hash`, with its version.
pub async fn get(
    store: &dyn Store,
    token_hash: &str,
) -> Result<Option<Versioned<StoredSession>>, RepoError> {
    get_versioned(store, &keys::session(token_hash)).await
}

/// Records activity; losing a race with another request's update is fine (it did the same).
pub async fn touch(
    store: &dyn Store,
    token_hash: &str,
    read: &Versioned<StoredSession>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut next = item(
        token_hash,
        &StoredSession {
            last_seen_at: now,
            ..read.value.clone()
        },
    );
    next.version = read.version + 1;
    match store.put(next, Condition::VersionIs(read.version)).await {
        Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// Ends a session (nothing happens when it is gone already).
pub async fn delete(store: &dyn Store, token_hash: &str) -> Result<(), RepoError> {
    Ok(store
        .delete(&keys::session(token_hash), Condition::None)
        .await?)
}
