//! Users in the store: a record in the tenant's partition and a global lookup item per
//! e-mail address, written together, so sign-in finds a user with one `get` by address and
//! an address belongs to one user of one tenant.

use super::{decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::User;
use crate::ids::{TenantId, UserId};
use crate::ports::{Condition, Item, Query, SortKeyCondition, Store, StoreError, WriteOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What is stored about a user: the listed fields and the credentials.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredUser {
    /// The user as listed.
    #[serde(flatten)]
    pub user: User,
    /// Argon2id PHC string; `None` until an invitation is accepted.
    pub password_hash: Option<String>,
    /// Sessions carry the generation they were created in; raising it ends them all
    /// (sign out everywhere, deactivation, password change).
    #[serde(default)]
    pub session_generation: u64,
    /// When a password-reset e-mail was last sent (limits how often one is sent).
    #[serde(default)]
    pub reset_sent_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password hash stays out of debug output (and so out of logs).
        f.debug_struct("StoredUser")
            .field("user", &self.user)
            .field("session_generation", &self.session_generation)
            .finish_non_exhaustive()
    }
}

/// The body of an e-mail lookup item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailOwner {
    /// The user's tenant.
    pub tenant_id: TenantId,
    /// The user.
    pub user_id: UserId,
}

fn record(stored: &StoredUser) -> Item {
    Item::new(
        keys::user(&stored.user.tenant_id, &stored.user.id),
        encode(stored),
    )
}

/// Stores a new user and claims its e-mail address; `AlreadyExists` when the address (or
/// the id) is taken.
pub async fn create(store: &dyn Store, stored: &StoredUser) -> Result<(), RepoError> {
    let owner = EmailOwner {
        tenant_id: stored.user.tenant_id.clone(),
        user_id: stored.user.id.clone(),
    };
    let ops = vec![
        WriteOp::Put {
            item: record(stored),
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: Item::new(keys::user_email_lookup(&stored.user.email), encode(&owner)),
            condition: Condition::NotExists,
        },
    ];
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => Err(RepoError::AlreadyExists),
        Err(other) => Err(other.into()),
    }
}

/// The user `id` of `tenant` with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &UserId,
) -> Result<Option<Versioned<StoredUser>>, RepoError> {
    get_versioned(store, &keys::user(tenant, id)).await
}

/// Who owns a normalized e-mail address, if anyone.
pub async fn owner_of(
    store: &dyn Store,
    normalized_email: &str,
) -> Result<Option<EmailOwner>, RepoError> {
    store
        .get(&keys::user_email_lookup(normalized_email))
        .await?
        .map(|item| decode(&item))
        .transpose()
}

/// The user owning a normalized e-mail address, with its version.
pub async fn find_by_email(
    store: &dyn Store,
    normalized_email: &str,
) -> Result<Option<Versioned<StoredUser>>, RepoError> {
    match owner_of(store, normalized_email).await? {
        Some(owner) => get(store, &owner.tenant_id, &owner.user_id).await,
        None => Ok(None),
    }
}

/// Every user of the tenant, oldest first (ids are time-ordered), with versions.
pub async fn list(
    store: &dyn Store,
    tenant: &TenantId,
) -> Result<Vec<Versioned<StoredUser>>, RepoError> {
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::USER_PREFIX.to_owned()))
        .limit(500);
    let mut all = Vec::new();
    loop {
        let page = store.query(&query).await?;
        for item in &page.items {
            all.push(Versioned {
                value: decode(item)?,
                version: item.version,
            });
        }
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// Writes `next` over the user read at `version`. With `unchanged`, another user must still
/// be at the given version (the last-admin rule: demoting one admin while another admin is
/// demoted concurrently fails one of the two). A lost race is `Store(ConditionFailed)`.
pub async fn update(
    store: &dyn Store,
    next: &StoredUser,
    version: u64,
    unchanged: Option<(&UserId, u64)>,
) -> Result<(), RepoError> {
    let mut item = record(next);
    item.version = version + 1;
    match unchanged {
        None => Ok(store.put(item, Condition::VersionIs(version)).await?),
        Some((other, other_version)) => {
            let ops = vec![
                WriteOp::Put {
                    item,
                    condition: Condition::VersionIs(version),
                },
                WriteOp::Check {
                    key: keys::user(&next.user.tenant_id, other),
                    condition: Condition::VersionIs(other_version),
                },
            ];
            match store.transact(ops).await {
                Ok(()) => Ok(()),
                Err(StoreError::TransactionCancelled(_)) => {
                    Err(RepoError::Store(StoreError::ConditionFailed))
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}
