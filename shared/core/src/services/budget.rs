//! The request budget's rules: which work may use how much of a marketplace application's
//! calls per second, how long a worker waits for a slot, and what a 429 does.
//!
//! Allegro allows 9000 calls a minute per client id (allegro-api.md §4.2). The budget counts
//! per second (`per_minute / 60`, so a burst cannot spend the minute in its first seconds),
//! and each priority may fill the second only up to its own ceiling: replies and
//! autoresponses 100 %, token refreshes halfway between the background share and 100 %,
//! buyer-conversation reads the background share (default 80 %; re-reads of active
//! conversations book the next second's first slots when it is used up, ahead of the
//! scheduled polls, see [`Priority::ActiveRead`]), orders three quarters of it,
//! offers and catalogue work half of it. Background work therefore never takes the last
//! slots of a second, and a reply always finds one. A 429 blocks the key for every worker
//! for at least 60 s (longer when the marketplace says so); calls wait in their queues.

pub use crate::domain::budget::{
    BudgetPolicy, Priority, ALLEGRO_PER_MINUTE, BLOCK_FLOOR, DEFAULT_BACKGROUND_SHARE,
    DEFAULT_MAX_WAIT,
};
pub use crate::ports::call_budget::{as_active_read, conversation_read_priority};
use crate::ports::{Admission, CallBudget, Clock, RateBudget};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// Why a call may not be sent now: the key is blocked, or no slot came free in time. The
/// caller puts its work back in the queue for `retry_after`; nothing is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNow {
    /// How long to wait before trying again.
    pub retry_after: Duration,
}

/// A budget with its rules, shared by every call of one process.
#[derive(Clone)]
pub struct Budget {
    shared: Arc<dyn RateBudget>,
    clock: Arc<dyn Clock>,
    max_wait: Duration,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl Budget {
    /// The rules over `shared` state, waiting at most [`DEFAULT_MAX_WAIT`] for a slot.
    pub fn new(shared: Arc<dyn RateBudget>, clock: Arc<dyn Clock>) -> Self {
        Self {
            shared,
            clock,
            max_wait: DEFAULT_MAX_WAIT,
        }
    }

    /// The same budget with another longest in-process wait.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Takes one call of `key` for `priority`: waits (second by second) while the priority's
    /// share is used up, up to the longest wait; answers [`NotNow`] while `key` is blocked.
    /// When the shared state cannot be reached the call goes (the marketplace's own 429 still
    /// stops everyone), and the failure is logged.
    pub async fn acquire(
        &self,
        key: &str,
        priority: Priority,
        policy: &BudgetPolicy,
    ) -> Result<(), NotNow> {
        let ceiling = policy.ceiling(priority);
        let started = self.clock.now();
        loop {
            let now = self.clock.now();
            match self.shared.draw(key, ceiling, now).await {
                Ok(Admission::Go) => return Ok(()),
                Ok(Admission::Blocked { until }) => {
                    return Err(NotNow {
                        retry_after: until_then(now, until),
                    })
                }
                Ok(Admission::NextSecond) => {
                    if let (Priority::ActiveRead, Some(ceiling)) = (priority, ceiling) {
                        // A re-read of an active conversation does not queue behind the
                        // scheduled polls waiting for the next second: it books its slot there
                        // ahead of them.
                        match self.shared.book_next(key, ceiling, now).await {
                            Ok(Admission::Go) => {
                                tokio::time::sleep(to_next_second(now)).await;
                                return Ok(());
                            }
                            Ok(Admission::Blocked { until }) => {
                                return Err(NotNow {
                                    retry_after: until_then(now, until),
                                })
                            }
                            // Bookings full (or the second began): wait like the others.
                            Ok(Admission::NextSecond) => {}
                            Err(error) => {
                                tracing::warn!(key, %error, "request budget unavailable; calling anyway");
                                return Ok(());
                            }
                        }
                    }
                    let waited = until_then(started, now);
                    if waited >= self.max_wait {
                        tracing::info!(
                            key,
                            ?priority,
                            "request budget busy; the work goes back to its queue"
                        );
                        return Err(NotNow {
                            retry_after: Duration::from_secs(1),
                        });
                    }
                    tokio::time::sleep(to_next_second(now)).await;
                }
                Err(error) => {
                    tracing::warn!(key, %error, "request budget unavailable; calling anyway");
                    return Ok(());
                }
            }
        }
    }

    /// Records a 429 for `key`: every worker stops calling for `retry_after` (at least
    /// [`BLOCK_FLOOR`]). Logged once per block, at its start. Answers the wait.
    pub async fn rate_limited(&self, key: &str, retry_after: Duration) -> Duration {
        let wait = retry_after.max(BLOCK_FLOOR);
        let now = self.clock.now();
        let until = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        match self.shared.block(key, until, now).await {
            Ok(true) => tracing::warn!(
                key,
                until = %until,
                "marketplace answered 429: every call with this key waits until the block ends"
            ),
            Ok(false) => {}
            Err(error) => tracing::error!(key, %error, "could not record a 429 block"),
        }
        wait
    }

    /// The blocks in force now.
    pub async fn blocks(
        &self,
    ) -> Result<Vec<crate::ports::BudgetBlock>, crate::ports::BudgetError> {
        self.shared.blocks(self.clock.now()).await
    }
}

#[async_trait::async_trait]
impl CallBudget for Budget {
    async fn admit(
        &self,
        key: &str,
        priority: Priority,
        policy: &BudgetPolicy,
    ) -> Result<(), Duration> {
        self.acquire(key, priority, policy)
            .await
            .map_err(|not_now| not_now.retry_after)
    }

    async fn rate_limited(&self, key: &str, retry_after: Duration) -> Duration {
        Budget::rate_limited(self, key, retry_after).await
    }
}

/// From `from` to `to`, zero when `to` is not later.
fn until_then(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).to_std().unwrap_or_default()
}

/// What is left of `now`'s second, plus a millisecond so the next draw lands after it.
fn to_next_second(now: DateTime<Utc>) -> Duration {
    let into = u64::from(now.timestamp_subsec_millis());
    Duration::from_millis(1000u64.saturating_sub(into) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{ManualClock, MemoryBudget};

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .expect("valid timestamp")
            .with_timezone(&Utc)
    }

    #[test]
    fn each_priority_gets_its_share_of_a_second() {
        let policy = BudgetPolicy::allegro();
        let ceilings: Vec<Option<u32>> = Priority::ALL.iter().map(|p| policy.ceiling(*p)).collect();
        assert_eq!(
            ceilings,
            vec![
                Some(150),
                Some(135),
                Some(120),
                Some(120),
                Some(90),
                Some(60)
            ]
        );
        assert_eq!(BudgetPolicy::blocks_only().ceiling(Priority::Poll), None);
        let tiny = BudgetPolicy {
            per_minute: Some(30),
            background_share: 0.8,
        };
        assert_eq!(tiny.ceiling(Priority::Offers), Some(1), "never zero");
    }

    #[tokio::test]
    async fn a_reply_goes_while_polls_have_used_their_share() {
        let clock = Arc::new(ManualClock::new(start()));
        let budget =
            Budget::new(Arc::new(MemoryBudget::new()), clock.clone()).with_max_wait(Duration::ZERO);
        let policy = BudgetPolicy {
            per_minute: Some(600),
            background_share: 0.8,
        };
        for _ in 0..8 {
            assert_eq!(
                budget.acquire("allegro#app", Priority::Poll, &policy).await,
                Ok(())
            );
        }
        assert!(
            budget
                .acquire("allegro#app", Priority::Poll, &policy)
                .await
                .is_err(),
            "the ninth poll of the second waits"
        );
        assert_eq!(
            budget
                .acquire("allegro#app", Priority::Reply, &policy)
                .await,
            Ok(()),
            "a reply takes the headroom polls leave"
        );
        assert_eq!(
            budget
                .acquire("allegro#other", Priority::Poll, &policy)
                .await,
            Ok(()),
            "another key has its own budget"
        );
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(
            budget.acquire("allegro#app", Priority::Poll, &policy).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn an_active_re_read_gets_its_slot_before_idle_polls_when_they_saturate_the_gate() {
        let clock = Arc::new(ManualClock::new(start()));
        let budget =
            Budget::new(Arc::new(MemoryBudget::new()), clock.clone()).with_max_wait(Duration::ZERO);
        // 8 polls a second (80 % of 600 a minute): idle polls fill this second's share.
        let policy = BudgetPolicy {
            per_minute: Some(600),
            background_share: 0.8,
        };
        for _ in 0..8 {
            assert_eq!(
                budget.acquire("allegro#app", Priority::Poll, &policy).await,
                Ok(())
            );
        }
        assert!(
            budget
                .acquire("allegro#app", Priority::Poll, &policy)
                .await
                .is_err(),
            "an idle poll waits for the next second"
        );
        // Two re-reads of active conversations: no room left in this second either, but they
        // do not queue behind the idle polls: each books a slot of the next second.
        for _ in 0..2 {
            assert_eq!(
                budget
                    .acquire("allegro#app", Priority::ActiveRead, &policy)
                    .await,
                Ok(()),
                "the re-read goes at the start of the next second"
            );
        }
        clock.advance(chrono::Duration::seconds(1));
        for n in 0..6 {
            assert_eq!(
                budget.acquire("allegro#app", Priority::Poll, &policy).await,
                Ok(()),
                "idle poll {n} of the next second"
            );
        }
        assert!(
            budget
                .acquire("allegro#app", Priority::Poll, &policy)
                .await
                .is_err(),
            "the re-reads took the first two of the second's 8 slots: the 80 % share holds"
        );
        assert_eq!(
            budget
                .acquire("allegro#app", Priority::Reply, &policy)
                .await,
            Ok(()),
            "the headroom above the share stays for replies"
        );
    }

    #[tokio::test]
    async fn reads_inside_an_active_read_scope_take_the_active_priority() {
        assert_eq!(conversation_read_priority(), Priority::Poll);
        let inside = as_active_read(async { conversation_read_priority() }).await;
        assert_eq!(inside, Priority::ActiveRead);
        assert_eq!(conversation_read_priority(), Priority::Poll, "only inside");
    }

    #[tokio::test]
    async fn a_429_blocks_every_priority_for_at_least_a_minute() {
        let clock = Arc::new(ManualClock::new(start()));
        let budget = Budget::new(Arc::new(MemoryBudget::new()), clock.clone());
        let policy = BudgetPolicy::allegro();
        assert_eq!(
            budget
                .rate_limited("allegro#app", Duration::from_secs(5))
                .await,
            BLOCK_FLOOR
        );
        for priority in Priority::ALL {
            assert_eq!(
                budget.acquire("allegro#app", priority, &policy).await,
                Err(NotNow {
                    retry_after: Duration::from_secs(60)
                })
            );
        }
        budget
            .rate_limited("allegro#app", Duration::from_secs(120))
            .await;
        clock.advance(chrono::Duration::seconds(61));
        let blocks = budget.blocks().await.expect("blocks");
        assert_eq!(blocks.len(), 1, "a longer Retry-After extends the block");
        assert_eq!(blocks[0].since, start());
        assert_eq!(blocks[0].until, start() + chrono::Duration::seconds(120));
        clock.advance(chrono::Duration::seconds(60));
        assert_eq!(
            budget
                .acquire("allegro#app", Priority::Offers, &policy)
                .await,
            Ok(())
        );
        assert!(budget.blocks().await.expect("blocks").is_empty());
    }
}
