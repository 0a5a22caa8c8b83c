//! API keys in the store: never the key itself, only its SHA-256.
//!
//! Each key has two items written and deleted together: a record in its tenant's partition
//! (listing, revoking) and a lookup item keyed by the hash, so authenticating a request is
//! one strongly consistent `get` and needs no index.

use super::{decode, encode, keys, RepoError};
use crate::domain::ApiKey;
use crate::ids::{ApiKeyId, TenantId};
use crate::ports::{Condition, Item, Query, SortKeyCondition, Store, StoreError, WriteOp};
use serde::{Deserialize, Serialize};

/// What is stored about a key: the listed fields and the hash that finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApiKey {
    /// The key as listed.
    #[serde(flatten)]
    pub key: ApiKey,
    /// Lower-case hex SHA-256 of the full key text.
    pub hash: String,
}

/// Stores a new key (record and lookup item, atomically); refuses an existing id or hash.
pub async fn create(store: &dyn Store, stored: &StoredApiKey) -> Result<(), RepoError> {
    let body = encode(stored);
    let ops = vec![
        WriteOp::Put {
            item: Item::new(
                keys::api_key(&stored.key.tenant_id, &stored.key.id),
                body.clone(),
            ),
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: Item::new(keys::api_key_lookup(&stored.hash), body),
            condition: Condition::NotExists,
        },
    ];
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => Err(RepoError::AlreadyExists),
        Err(other) => Err(other.into()),
    }
}

/// The key whose SHA-256 is `hash_hex`, if any.
pub async fn find_by_hash(
    store: &dyn Store,
    hash_hex: &str,
) -> Result<Option<StoredApiKey>, RepoError> {
    store
        .get(&keys::api_key_lookup(hash_hex))
        .await?
        .map(|item| decode(&item))
        .transpose()
}

/// The key `id` of `tenant`, if any.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &ApiKeyId,
) -> Result<Option<StoredApiKey>, RepoError> {
    store
        .get(&keys::api_key(tenant, id))
        .await?
        .map(|item| decode(&item))
        .transpose()
}

/// Every key of the tenant, oldest first (ids are time-ordered).
pub async fn list(store: &dyn Store, tenant: &TenantId) -> Result<Vec<ApiKey>, RepoError> {
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(
            keys::API_KEY_PREFIX.to_owned(),
        ))
        .limit(500);
    let mut all = Vec::new();
    loop {
        let page = store.query(&query).await?;
        for item in &page.items {
            let stored: StoredApiKey = decode(item)?;
            all.push(stored.key);
        }
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// Deletes the key `id` of `tenant` (both items); `Err(NotFound)` when the tenant has no such
/// key. With `keep`, the key `keep` of the tenant must still exist when the deletion commits
/// (it is checked in the same transaction), else nothing changes and the answer is a
/// conflict ([`super::is_conflict`]): two keys revoked at once cannot both leave on the
/// strength of the other.
pub async fn delete(
    store: &dyn Store,
    tenant: &TenantId,
    id: &ApiKeyId,
    keep: Option<&ApiKeyId>,
) -> Result<(), RepoError> {
    let Some(stored) = get(store, tenant, id).await? else {
        return Err(RepoError::NotFound);
    };
    let mut ops = vec![
        WriteOp::Delete {
            key: keys::api_key(tenant, id),
            condition: Condition::None,
        },
        WriteOp::Delete {
            key: keys::api_key_lookup(&stored.hash),
            condition: Condition::None,
        },
    ];
    if let Some(keep) = keep {
        ops.push(WriteOp::Check {
            key: keys::api_key(tenant, keep),
            condition: Condition::Exists,
        });
    }
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => {
            Err(RepoError::Store(StoreError::ConditionFailed))
        }
        Err(other) => Err(other.into()),
    }
}
