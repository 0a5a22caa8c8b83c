//! Leases: at most one holder of a named job at a time (e.g. refreshing one integration's
//! tokens), expiring on their own if the holder dies.

use super::RepoError;
use crate::ports::{Condition, Item, Key, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

fn key(name: &str) -> Key {
    super::keys::lease(name)
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

/// The live holder and end of the lease stored in `item`.
fn holder_and_until(item: &Item) -> (Option<&str>, Option<DateTime<Utc>>) {
    let holder = item.data.get("holder").and_then(|v| v.as_str());
    let until = item
        .data
        .get("until")
        .and_then(|v| v.as_str())
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc));
    (holder, until)
}

/// Takes the lease stored under `key` for `holder` until `until` when nobody holds a live
/// one, or when `holder` itself or `previous` holds it (a renewal, or a hand-over from
/// `previous` to `holder`). One conditional write, so two workers never both get it.
/// Returns whether `holder` holds it now.
pub async fn take_at(
    store: &dyn Store,
    key: &Key,
    holder: &str,
    previous: Option<&str>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    take_for(store, key, holder, previous, until, None, now).await
}

/// [`take_at`] for a job that reads for `due` on its cadence grid: the lease records it, so
/// a later request for the same read is known to be covered ([`defer_at`]).
pub async fn take_for(
    store: &dyn Store,
    key: &Key,
    holder: &str,
    previous: Option<&str>,
    until: DateTime<Utc>,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    // A read recorded meanwhile ([`defer_at`]) changes the lease's version: look again, so
    // a holder renewing its own lease is never refused by it (a refused job would be dropped
    // as a duplicate while its lease, with no job left, blocks the channel until it expires).
    for _ in 0..TAKE_ATTEMPTS {
        let current = store.get(key).await?;
        let Some((item, condition)) = take_write(
            key,
            current.as_ref(),
            &Taker {
                holder,
                previous,
                until,
                due,
            },
            now,
        ) else {
            return Ok(false);
        };
        match store.put(item, condition).await {
            Ok(()) => return Ok(true),
            Err(StoreError::ConditionFailed) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Ok(false)
}

/// Who asks for a lease, until when, and for which due time.
#[derive(Debug, Clone, Copy)]
pub struct Taker<'a> {
    /// The new holder's token.
    pub holder: &'a str,
    /// The holder it takes over from (a hand-over), if any.
    pub previous: Option<&'a str>,
    /// The end of the hold.
    pub until: DateTime<Utc>,
    /// The due time on the cadence grid the holder's job reads for, if any.
    pub due: Option<DateTime<Utc>>,
}

/// The conditional write that gives the lease under `key`, stored as `current`, to `taker`;
/// `None` while someone else holds a live one. Shared by [`take_for`] and batched requests,
/// so both keep the same conditions.
pub fn take_write(
    key: &Key,
    current: Option<&Item>,
    taker: &Taker<'_>,
    now: DateTime<Utc>,
) -> Option<(Item, Condition)> {
    let mut data = json!({ "holder": taker.holder, "until": taker.until });
    let fields = data.as_object_mut()?;
    if let Some(due) = taker.due {
        fields.insert("due".into(), json!(due));
    }
    let mut item = Item::new(key.clone(), Value::Null).with_expiry(taker.until.timestamp() + 3600);
    let condition = match current {
        None => Condition::NotExists,
        Some(current) => {
            let (current_holder, live_until) = holder_and_until(current);
            let ours =
                current_holder.is_some_and(|h| h == taker.holder || Some(h) == taker.previous);
            if !ours && live_until.is_some_and(|t| t > now) {
                return None;
            }
            // A renewal keeps the read recorded on the lease ([`defer_at`]) and the due time
            // it was queued for; a hand-over or a new holder starts clean.
            if current_holder == Some(taker.holder) {
                if let Some(due) = next_due_of(current) {
                    fields.insert("next_due".into(), json!(due));
                }
                if let (None, Some(due)) = (taker.due, time_of(current, "due")) {
                    fields.insert("due".into(), json!(due));
                }
            }
            item.version = current.version + 1;
            Condition::VersionIs(current.version)
        }
    };
    item.data = data;
    Some((item, condition))
}

/// How often taking a lease is tried again when it changed under the attempt.
const TAKE_ATTEMPTS: usize = 5;

/// How often a release is tried again when the lease changed under it.
const RELEASE_ATTEMPTS: usize = 5;

/// Gives the lease stored under `key` back, if `holder` still holds it. A change in between
/// (a read recorded with [`defer_at`]) is read again, so a finished holder never keeps the
/// lease until it expires.
pub async fn release_at(store: &dyn Store, key: &Key, holder: &str) -> Result<(), RepoError> {
    for _ in 0..RELEASE_ATTEMPTS {
        let Some((version, _)) = held_by(store, key, holder).await? else {
            return Ok(());
        };
        if release_version(store, key, version).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// The version of the lease under `key` and the read recorded on it ([`defer_at`]), while
/// `holder` holds it.
pub async fn held_by(
    store: &dyn Store,
    key: &Key,
    holder: &str,
) -> Result<Option<(u64, Option<DateTime<Utc>>)>, RepoError> {
    Ok(store
        .get(key)
        .await?
        .filter(|item| holder_and_until(item).0 == Some(holder))
        .map(|item| (item.version, next_due_of(&item))))
}

/// Deletes the lease under `key` if it is still at `version`; answers whether it was (false:
/// it changed meanwhile, read it again).
pub async fn release_version(
    store: &dyn Store,
    key: &Key,
    version: u64,
) -> Result<bool, RepoError> {
    match store.delete(key, Condition::VersionIs(version)).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// What became of a request to read again once the live holder is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferral {
    /// Recorded on the lease: its holder queues the read when it finishes.
    Recorded,
    /// The lease already carries a read to come, its holder reads for that due time or a
    /// later one, or it changed meanwhile: nothing to add.
    Pending,
    /// Nobody holds a live lease: the caller may take it.
    Free,
}

fn next_due_of(item: &Item) -> Option<DateTime<Utc>> {
    time_of(item, "next_due")
}

fn time_of(item: &Item, field: &str) -> Option<DateTime<Utc>> {
    item.data
        .get(field)
        .and_then(|v| v.as_str())
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Records on the live lease under `key` that its work is wanted again at `due_at`, for its
/// holder to hand over to when it finishes (see [`held_by`]); a read already recorded
/// stays (the earlier one wins), and a read at or before the due time the holder's own job
/// reads for is covered by it. One conditional write.
pub async fn defer_at(
    store: &dyn Store,
    key: &Key,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Deferral, RepoError> {
    let current = store.get(key).await?;
    let (item, condition) = match defer_write(current.as_ref(), due_at, now) {
        Ok(write) => write,
        Err(deferral) => return Ok(deferral),
    };
    match store.put(item, condition).await {
        Ok(()) => Ok(Deferral::Recorded),
        Err(StoreError::ConditionFailed) => Ok(Deferral::Pending),
        Err(other) => Err(other.into()),
    }
}

/// The conditional write that records a read at `due_at` on the lease stored as `current`
/// (see [`defer_at`]), or why there is nothing to write. Shared by [`defer_at`] and batched
/// requests, so both keep the same conditions.
pub fn defer_write(
    current: Option<&Item>,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Item, Condition), Deferral> {
    let Some(current) = current else {
        return Err(Deferral::Free);
    };
    let (holder, live_until) = holder_and_until(current);
    if holder.is_none() || live_until.is_none_or(|t| t <= now) {
        return Err(Deferral::Free);
    }
    if next_due_of(current).is_some() || time_of(current, "due").is_some_and(|own| due_at <= own) {
        return Err(Deferral::Pending);
    }
    let mut data = current.data.clone();
    if let Some(fields) = data.as_object_mut() {
        fields.insert("next_due".into(), json!(due_at));
    }
    Ok(current.next_version(data))
}
