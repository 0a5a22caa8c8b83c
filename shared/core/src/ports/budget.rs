//! Request budget port: one allowance per marketplace application (an Allegro client id) or
//! shop (EmpikPlace), shared by every worker, drawn once per call. It counts calls in the
//! current second against a ceiling the caller gives (lower for background work, see
//! `services::budget`), takes bookings for the next second that are counted before its
//! draws (re-reads of active conversations ahead of scheduled polls), and holds a block
//! after a 429 so that no worker calls on while the marketplace refuses. Locally
//! [`MemoryBudget`]; on AWS a DynamoDB item per key with conditional writes
//! (`marketdesk-aws`), so many Lambda instances share one budget.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// What a draw from the budget answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Send the call: it was counted.
    Go,
    /// This second's share for the caller's priority is used up: try again in the next second.
    NextSecond,
    /// The key is blocked after a 429: no call until then.
    Blocked {
        /// When the block ends.
        until: DateTime<Utc>,
    },
}

/// A block in force (health, logs).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BudgetBlock {
    /// The budget's key, e.g. `allegro#<client id>` or `empik#<shop>`.
    pub key: String,
    /// When it began.
    pub since: DateTime<Utc>,
    /// When it ends.
    pub until: DateTime<Utc>,
}

/// The budget's shared state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("request budget unavailable: {0}")]
pub struct BudgetError(pub String);

/// Shared per-key call counting and blocking.
#[async_trait]
pub trait RateBudget: Send + Sync {
    /// Counts one call of `key` in the second of `now` when fewer than `ceiling` were counted
    /// in it (`None`: no per-second limit, only blocks apply) and `key` is not blocked.
    async fn draw(
        &self,
        key: &str,
        ceiling: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<Admission, BudgetError>;

    /// Books one call of `key` at the start of the second after `now`'s, counted there before
    /// any draw of that second, when fewer than `ceiling` are booked for it, the second has
    /// not begun yet and `key` is not blocked: [`Admission::Go`] means booked (the caller
    /// sends when that second begins, without drawing again), [`Admission::NextSecond`] that
    /// no booking was made. What re-reads of active conversations use to go ahead of the
    /// scheduled polls (`Priority::ActiveRead`).
    async fn book_next(
        &self,
        key: &str,
        ceiling: u32,
        now: DateTime<Utc>,
    ) -> Result<Admission, BudgetError>;

    /// Blocks `key` until `until` (a later block extends, an earlier one changes nothing).
    /// `Ok(true)` when this began a block (none was in force at `now`), so it is logged once.
    async fn block(
        &self,
        key: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, BudgetError>;

    /// The blocks in force at `now`.
    async fn blocks(&self, now: DateTime<Utc>) -> Result<Vec<BudgetBlock>, BudgetError>;
}

/// One key's state in memory.
#[derive(Debug, Default)]
struct Slot {
    second: i64,
    count: u32,
    /// The second the bookings are for, and how many: counted when that second begins.
    booked_second: i64,
    booked: u32,
    blocked_since: Option<DateTime<Utc>>,
    blocked_until: Option<DateTime<Utc>>,
}

/// The in-process budget of `marketdesk serve`: every worker of the process shares it.
#[derive(Debug, Default)]
pub struct MemoryBudget {
    slots: Mutex<HashMap<String, Slot>>,
}

impl MemoryBudget {
    /// An empty budget.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // A panicking worker leaves valid counts behind; keep serving the others.
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl RateBudget for MemoryBudget {
    async fn draw(
        &self,
        key: &str,
        ceiling: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<Admission, BudgetError> {
        let mut slots = self.lock();
        let slot = slots.entry(key.to_owned()).or_default();
        if let Some(until) = slot.blocked_until.filter(|until| *until > now) {
            return Ok(Admission::Blocked { until });
        }
        let second = now.timestamp();
        if slot.second != second {
            slot.second = second;
            slot.count = if slot.booked_second == second {
                slot.booked
            } else {
                0
            };
        }
        if ceiling.is_some_and(|ceiling| slot.count >= ceiling) {
            return Ok(Admission::NextSecond);
        }
        slot.count += 1;
        Ok(Admission::Go)
    }

    async fn book_next(
        &self,
        key: &str,
        ceiling: u32,
        now: DateTime<Utc>,
    ) -> Result<Admission, BudgetError> {
        let mut slots = self.lock();
        let slot = slots.entry(key.to_owned()).or_default();
        if let Some(until) = slot.blocked_until.filter(|until| *until > now) {
            return Ok(Admission::Blocked { until });
        }
        let next = now.timestamp() + 1;
        if slot.second >= next {
            // That second has begun (a clock ahead): draw in it instead.
            return Ok(Admission::NextSecond);
        }
        if slot.booked_second != next {
            slot.booked_second = next;
            slot.booked = 0;
        }
        if slot.booked >= ceiling {
            return Ok(Admission::NextSecond);
        }
        slot.booked += 1;
        Ok(Admission::Go)
    }

    async fn block(
        &self,
        key: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, BudgetError> {
        let mut slots = self.lock();
        let slot = slots.entry(key.to_owned()).or_default();
        let running = slot.blocked_until.filter(|current| *current > now);
        match running {
            Some(current) => {
                if until > current {
                    slot.blocked_until = Some(until);
                }
                Ok(false)
            }
            None => {
                slot.blocked_since = Some(now);
                slot.blocked_until = Some(until);
                Ok(true)
            }
        }
    }

    async fn blocks(&self, now: DateTime<Utc>) -> Result<Vec<BudgetBlock>, BudgetError> {
        let slots = self.lock();
        let mut blocks: Vec<BudgetBlock> = slots
            .iter()
            .filter_map(|(key, slot)| {
                let until = slot.blocked_until.filter(|until| *until > now)?;
                Some(BudgetBlock {
                    key: key.clone(),
                    since: slot.blocked_since.unwrap_or(now),
                    until,
                })
            })
            .collect();
        blocks.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(blocks)
    }
}
