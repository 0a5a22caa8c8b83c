//! The ERP feed (`GET /v1/erp/orders?since=`): every order write also appends an entry with the
//! next number of a per-tenant sequence, in the same transaction as the order.
//!
//! Why a sequence and not a time-ordered key: the feed must page without gaps while orders
//! are stored concurrently. With keys made of timestamps (or time-ordered ids), a writer that
//! took its key earlier can commit after a reader already paged past that key, and the entry
//! is never read; only a safety lag (not reading the last N seconds) hides that, and no lag is
//! safe against a paused Lambda. Here the sequence item `ERPSEQ` is written with a version
//! condition in the transaction that writes the order and its entry `ERPFEED#<seq>`, so entry
//! n+1 can only commit after the transaction holding n committed: whenever a reader sees n+1,
//! every smaller number is already readable (SQLite serialises writes; DynamoDB transactions
//! are serializable and the feed is read with a strongly consistent query of the base table,
//! never an index). A reader resuming after the last number it saw therefore misses nothing
//! and reads nothing twice. The price: one more item written per order write, and writers of
//! one tenant take turns on the sequence item (a lost race retries with a short random wait;
//! order writes per tenant are a few per second at most).
//!
//! | item | SK |
//! |---|---|
//! | sequence | `ERPSEQ` → `{last}` (the last number given) |
//! | entry | `ERPFEED#<seq, 20 digits>` → `{seq, order, at}` (the order as written) |

use super::{decode, encode, keys, RepoError};
use crate::domain::order::Order;
use crate::ids::TenantId;
use crate::ports::{Condition, Item, Key, Query, SortKeyCondition, Store, StoreError, WriteOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often a write that lost the race for the sequence is tried again.
const ATTEMPTS: u32 = 40;

/// One entry of the feed: an order as one write left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// Its place in the tenant's feed (1, 2, 3, … without gaps).
    pub seq: u64,
    /// The order as written.
    pub order: Order,
    /// When it was written (the order's `updated_at`).
    pub at: DateTime<Utc>,
}

fn sequence_key(tenant: &TenantId) -> Key {
    Key::new(keys::tenant_partition(tenant), "ERPSEQ".to_owned())
}

fn entry_sort_key(seq: u64) -> String {
    format!("ERPFEED#{seq:020}")
}

/// What [`write_with_entry`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The order and its entry were written; the entry's number.
    Written(u64),
    /// The order's own condition did not hold (it exists, or changed since read): nothing
    /// was written.
    OrderConditionFailed,
}

/// Writes `order_op` (the order's put, with its condition) together with the order's feed
/// entry and the sequence item, all or nothing. A lost race for the sequence (another write
/// took the number) is retried after a short random wait.
pub async fn write_with_entry(
    store: &dyn Store,
    order: &Order,
    order_op: WriteOp,
) -> Result<Appended, RepoError> {
    let tenant = &order.tenant_id;
    for attempt in 0..ATTEMPTS {
        let stored = store.get(&sequence_key(tenant)).await?;
        let (last, condition, version) = match &stored {
            Some(item) => (
                item.data
                    .get("last")
                    .and_then(|v| v.as_u64())
                    .ok_or_else(|| RepoError::Corrupt {
                        pk: item.key.pk.clone(),
                        sk: item.key.sk.clone(),
                        reason: "sequence without last".into(),
                    })?,
                Condition::VersionIs(item.version),
                item.version + 1,
            ),
            None => (0, Condition::NotExists, 1),
        };
        let seq = last + 1;
        let sequence = Item {
            version,
            ..Item::new(sequence_key(tenant), serde_json::json!({ "last": seq }))
        };
        let entry = FeedEntry {
            seq,
            order: order.clone(),
            at: order.updated_at,
        };
        let entry = Item::new(
            Key::new(keys::tenant_partition(tenant), entry_sort_key(seq)),
            encode(&entry),
        );
        let ops = vec![
            order_op.clone(),
            WriteOp::Put {
                item: sequence,
                condition,
            },
            WriteOp::Put {
                item: entry,
                condition: Condition::NotExists,
            },
        ];
        match store.transact(ops).await {
            Ok(()) => return Ok(Appended::Written(seq)),
            Err(StoreError::TransactionCancelled(failed)) if failed.contains(&0) => {
                return Ok(Appended::OrderConditionFailed)
            }
            Err(StoreError::TransactionCancelled(_)) => {}
            // DynamoDB cancels a transaction that meets another one on the same item
            // (`TransactionConflict`, reported as unavailable): nothing was written.
            Err(StoreError::Unavailable(reason)) if reason.starts_with("transaction cancelled") => {
            }
            Err(other) => return Err(other.into()),
        }
        tokio::time::sleep(backoff(attempt)).await;
    }
    Err(RepoError::Store(StoreError::Unavailable(
        "the order feed's sequence stayed busy; try again".into(),
    )))
}

/// A random wait growing with the attempts (1–5 ms, up to 1–160 ms), so writers that met
/// on the sequence item do not meet again at once.
fn backoff(attempt: u32) -> Duration {
    let ceiling = 5u64 << attempt.min(5);
    let mut byte = [0u8; 2];
    let random = getrandom::fill(&mut byte)
        .map(|()| u64::from(u16::from_le_bytes(byte)))
        .unwrap_or(attempt as u64 * 7919);
    Duration::from_millis(1 + random % ceiling)
}

/// Up to `limit` entries of the tenant's feed after number `after`, in feed order (one
/// strongly consistent query of the tenant partition).
pub async fn entries_after(
    store: &dyn Store,
    tenant: &TenantId,
    after: u64,
    limit: u32,
) -> Result<Vec<FeedEntry>, RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::Between(
            entry_sort_key(after.saturating_add(1)),
            "ERPFEED#~".to_owned(),
        ))
        .limit(limit);
    let page = store.query(&query).await?;
    page.items.iter().map(decode).collect()
}
