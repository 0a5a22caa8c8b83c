//! Send slots: spacing the messages one marketplace account posts (Allegro allows one per
//! second per seller), shared by every sender instance through the store.

use super::{keys, RepoError};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, Item, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// What [`reserve`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The slot is ours: post after waiting this long.
    Reserved(Duration),
    /// Too many messages are queued before us: try again after this long.
    Busy(Duration),
}

/// How often a lost race for the slot is retried at once.
const ATTEMPTS: usize = 10;

/// Reserves the account's next posting slot, `interval` after the one before. Reservations
/// further than `max_wait` away are refused with [`Slot::Busy`] instead of sleeping.
pub async fn reserve(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    interval: Duration,
    max_wait: Duration,
    now: DateTime<Utc>,
) -> Result<Slot, RepoError> {
    let key = keys::send_slot(tenant, integration);
    for _ in 0..ATTEMPTS {
        let current = store.get(&key).await?;
        let next_free = current
            .as_ref()
            .and_then(|item| item.data.get("next_at"))
            .and_then(|v| v.as_str())
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        let start = next_free.max(now);
        let wait = start - now;
        if wait > max_wait {
            return Ok(Slot::Busy(wait - max_wait));
        }
        let next_at = start + interval;
        let mut item = Item::new(key.clone(), json!({ "next_at": next_at }))
            .with_expiry(next_at.timestamp() + 3600);
        let condition = match &current {
            None => Condition::NotExists,
            Some(existing) => {
                item.version = existing.version + 1;
                Condition::VersionIs(existing.version)
            }
        };
        match store.put(item, condition).await {
            Ok(()) => return Ok(Slot::Reserved(wait)),
            Err(StoreError::ConditionFailed) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Ok(Slot::Busy(interval))
}
