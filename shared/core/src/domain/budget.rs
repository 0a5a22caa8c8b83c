//! The request budget's values: who a call is for ([`Priority`]) and how big a budget is and
//! how it is shared ([`BudgetPolicy`]). Marketplace adapters name these when they ask the
//! [`crate::ports::CallBudget`] port for a slot; the waiting and blocking live in
//! `services::budget`.

use std::time::Duration;

/// Who a call is for, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// A reply or an autoresponse: a buyer is waiting.
    Reply,
    /// Renewing an account's tokens (or connecting one).
    TokenRefresh,
    /// Re-reading a buyer conversation that changed in the last minutes (the delayed re-read
    /// jobs of an active inbox): within the same share of each second as [`Priority::Poll`],
    /// but ahead of it. When the second's share is used up, the call books a slot at the
    /// start of the next second, counted before any scheduled poll of that second can draw
    /// (`RateBudget::book_next`): a re-read waits at most until the next second, and the
    /// scheduled reads of idle inboxes it displaces slip by that slot instead.
    ActiveRead,
    /// Reading buyer conversations on their schedule (idle inboxes).
    Poll,
    /// Reading orders.
    Orders,
    /// Offers and catalogue work.
    Offers,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 6] = [
        Priority::Reply,
        Priority::TokenRefresh,
        Priority::ActiveRead,
        Priority::Poll,
        Priority::Orders,
        Priority::Offers,
    ];
}

/// Allegro's published limit per client id.
pub const ALLEGRO_PER_MINUTE: u32 = 9000;
/// The default share of a second that background polling may fill.
pub const DEFAULT_BACKGROUND_SHARE: f64 = 0.8;
/// The least a key stays blocked after a 429.
pub const BLOCK_FLOOR: Duration = Duration::from_secs(60);
/// How long a call waits in the process for a slot before its job is put back in the queue.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10);

/// How big a budget is and how it is shared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetPolicy {
    /// Calls per minute (`None`: no per-second ceiling, only 429 blocks; EmpikPlace shops,
    /// whose limits Mirakl does not publish).
    pub per_minute: Option<u32>,
    /// Share of each second that buyer-conversation reads (scheduled polls and re-reads of
    /// active inboxes together) may fill (0.1–1.0).
    pub background_share: f64,
}

impl BudgetPolicy {
    /// Allegro's budget: 9000 calls a minute, 80 % for background polling.
    pub fn allegro() -> Self {
        Self {
            per_minute: Some(ALLEGRO_PER_MINUTE),
            background_share: DEFAULT_BACKGROUND_SHARE,
        }
    }

    /// Blocks only (EmpikPlace shops).
    pub fn blocks_only() -> Self {
        Self {
            per_minute: None,
            background_share: DEFAULT_BACKGROUND_SHARE,
        }
    }

    /// The calls `priority` may count in one second (at least 1), `None` without a limit.
    pub fn ceiling(&self, priority: Priority) -> Option<u32> {
        let per_second = f64::from(self.per_minute?) / 60.0;
        let share = self.background_share.clamp(0.1, 1.0);
        let fraction = match priority {
            Priority::Reply => 1.0,
            Priority::TokenRefresh => (1.0 + share) / 2.0,
            // Every buyer-conversation read together stays within the share; the re-reads'
            // precedence is their booking of the next second, not a higher ceiling, so the
            // headroom above the share stays for replies and token refreshes.
            Priority::ActiveRead | Priority::Poll => share,
            Priority::Orders => share * 0.75,
            Priority::Offers => share * 0.5,
        };
        // Float-to-int casts saturate; the value is at most `per_minute / 60`.
        Some(((per_second * fraction).floor() as u32).max(1))
    }
}
