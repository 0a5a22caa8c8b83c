//! Repositories: the domain's entities stored through the [`Store`](crate::ports::Store) port.
//!
//! Written once on top of the DynamoDB-shaped store, so both backends share them.
//! The key scheme lives in [`keys`].

pub mod account_events;
pub mod api_keys;
pub mod audit;
pub mod cursors;
pub mod customers;
pub mod device_grants;
pub mod erp_feed;
pub mod files;
pub mod integrations;
pub mod keys;
pub mod leases;
pub mod oauth_states;
pub mod offer_commands;
pub mod offer_links;
pub mod offers;
pub mod one_time_tokens;
pub mod order_updates;
pub mod orders;
pub mod products;
pub mod replies;
pub mod saved_replies;
pub mod search;
pub mod send_slots;
pub mod sessions;
pub mod sign_in_failures;
pub mod tenants;
pub mod tickets;
pub mod users;
pub mod views;
pub mod webhooks;
pub mod word_index;

use crate::ports::{Item, Key, Store, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a repository operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The store failed or refused the write.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored item does not decode into the entity.
    #[error("stored item {pk}/{sk} does not decode: {reason}")]
    Corrupt {
        /// Partition key of the item.
        pk: String,
        /// Sort key of the item.
        sk: String,
        /// The decoding error.
        reason: String,
    },
    /// The entity to create exists already.
    #[error("already exists")]
    AlreadyExists,
    /// The entity does not exist.
    #[error("not found")]
    NotFound,
}

/// Encodes an entity as an item body.
pub(crate) fn encode<T: Serialize>(entity: &T) -> serde_json::Value {
    // Domain entities are plain data (strings, numbers, maps with string keys): encoding cannot fail.
    serde_json::to_value(entity).unwrap_or(serde_json::Value::Null)
}

/// Decodes an item body into an entity.
pub(crate) fn decode<T: DeserializeOwned>(item: &Item) -> Result<T, RepoError> {
    serde_json::from_value(item.data.clone()).map_err(|e| RepoError::Corrupt {
        pk: item.key.pk.clone(),
        sk: item.key.sk.clone(),
        reason: e.to_string(),
    })
}

/// Maps a failed create condition to [`RepoError::AlreadyExists`].
pub(crate) fn create_result(result: Result<(), StoreError>) -> Result<(), RepoError> {
    match result {
        Err(StoreError::ConditionFailed) => Err(RepoError::AlreadyExists),
        other => Ok(other?),
    }
}

/// An entity read together with the version it was stored at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The entity.
    pub value: T,
    /// The stored version, for an optimistic update.
    pub version: u64,
}

/// Reads and decodes the entity under `key` with its version.
pub(crate) async fn get_versioned<T: DeserializeOwned>(
    store: &dyn Store,
    key: &Key,
) -> Result<Option<Versioned<T>>, RepoError> {
    match store.get(key).await? {
        Some(item) => Ok(Some(Versioned {
            value: decode(&item)?,
            version: item.version,
        })),
        None => Ok(None),
    }
}

/// Whether a repository error is a lost optimistic-update race (worth re-reading and retrying).
pub fn is_conflict(err: &RepoError) -> bool {
    matches!(err, RepoError::Store(StoreError::ConditionFailed))
}
