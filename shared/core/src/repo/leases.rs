//! Leases: at most one holder of a named job at a time (e.g. refreshing one integration's
//! tokens), expiring on their own if the holder dies.

use super::RepoError;
use crate::ports::{Condition, Item, Key, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

fn key(name: &str) -> Key {
    Key::new("LEASE", name.to_owned())
}

/// Takes the lease `name` for `holder` until `now + ttl`, if nobody holds a live one.
/// Returns whether this holder got it.
pub async fn acquire(
    store: &dyn Store,
    name: &str,
    holder: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let until = now + ttl;
    let mut item = Item::new(key(name), json!({ "holder": holder, "until": until }))
        .with_expiry(until.timestamp() + 3600);
    let condition = match store.get(&key(name)).await? {
        None => Condition::NotExists,
        Some(current) => {
            let live_until = current
                .data
                .get("until")
                .and_then(|v| v.as_str())
                .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                .map(|t| t.with_timezone(&Utc));
            if live_until.is_some_and(|t| t > now) {
                return Ok(false);
            }
            item.version = current.version + 1;
            Condition::VersionIs(current.version)
        }
    };
    match store.put(item, condition).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Gives the lease back early, if `holder` still holds it.
pub async fn release(store: &dyn Store, name: &str, holder: &str) -> Result<(), RepoError> {
    if let Some(current) = store.get(&key(name)).await? {
        if current.data.get("holder").and_then(|v| v.as_str()) == Some(holder) {
            match store
                .delete(&key(name), Condition::VersionIs(current.version))
                .await
            {
                Ok(()) | Err(StoreError::ConditionFailed) => {}
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(())
}
