//! Adaptive polling's arithmetic, without I/O: when each inbox of each account is due, and
//! how often the inboxes sharing one request budget can be read so that the total stays
//! under the budget's share.
//!
//! Every (integration, channel) has a fixed phase inside its cadence, taken from a hash of
//! its key, so the polls of thousands of accounts spread evenly over the interval instead of
//! bursting at the tick, and each key is read once per cadence at the same offset. A tick
//! queues the keys whose next due time falls before the next tick, each with the delay until
//! that time.

use crate::config::{ConfigError, Env};
use crate::domain::budget::BudgetPolicy;
use crate::domain::Channel;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Calls one poll of an idle inbox makes (one list call: measured against the simulator,
/// 2 calls a minute per Allegro account reading two inboxes every minute).
pub const IDLE_CALLS_PER_POLL: f64 = 1.0;

/// Default cadence of `/sale/issues`: since 2026-10-28 new problems arrive in Message Center,
/// so claims and older disputes are read less often: every 5 ticks, at most this (5 minutes
/// at the default one-minute tick), never faster than the tick.
pub const DEFAULT_ISSUES_EVERY: Duration = Duration::from_secs(300);
/// Default cadence of an account's offers (`/sale/offer-events`): background work at the
/// lowest priority, read well inside the journal's 24 hours.
pub const DEFAULT_OFFERS_EVERY: Duration = Duration::from_secs(600);
/// Default pause between re-reads of an account with a conversation that just changed.
pub const DEFAULT_ACTIVE_EVERY: Duration = Duration::from_secs(12);
/// Default time an account counts as active after a change was read.
pub const DEFAULT_ACTIVE_FOR: Duration = Duration::from_secs(180);
/// Default share of the polling budget kept free for the re-reads of active accounts once
/// the cadences stretch to fit it.
pub const DEFAULT_ACTIVE_RESERVE: f64 = 0.05;
/// How often each inbox is read, and how active accounts are re-read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollingSettings {
    /// The scheduler's period: the poll interval of `serve`, one minute on AWS.
    pub tick: Duration,
    /// Allegro Message Center (`MARKETDESK_POLL_MESSAGING_EVERY`, default: every tick).
    pub messaging_every: Duration,
    /// Allegro `/sale/issues` (`MARKETDESK_POLL_ISSUES_EVERY`, default 5 ticks, at most 5
    /// minutes).
    pub issues_every: Duration,
    /// EmpikPlace threads (`MARKETDESK_POLL_EMPIK_EVERY`, default: every tick).
    pub empik_every: Duration,
    /// Allegro offers (`MARKETDESK_POLL_OFFERS_EVERY`, default 10 minutes, never faster than
    /// the tick).
    pub offers_every: Duration,
    /// Re-read an account this often while it is active (`MARKETDESK_POLL_ACTIVE_EVERY`,
    /// default 12 s).
    pub active_every: Duration,
    /// An account stays active this long after a change was read
    /// (`MARKETDESK_POLL_ACTIVE_FOR`, default 3 minutes; `0` turns re-reads off).
    pub active_for: Duration,
    /// Share of the polling budget kept for the re-reads once the cadences must stretch
    /// (`MARKETDESK_POLL_ACTIVE_RESERVE`, 0.0–0.9, default 0.05).
    pub active_reserve: f64,
    /// The Allegro budget the polls must fit in (its background share).
    pub allegro_budget: BudgetPolicy,
}

impl PollingSettings {
    /// The defaults for a scheduler running every `tick`.
    pub fn new(tick: Duration) -> Self {
        Self {
            tick,
            messaging_every: tick,
            issues_every: (tick * 5).min(DEFAULT_ISSUES_EVERY).max(tick),
            empik_every: tick,
            offers_every: DEFAULT_OFFERS_EVERY.max(tick),
            active_every: DEFAULT_ACTIVE_EVERY,
            active_for: DEFAULT_ACTIVE_FOR,
            active_reserve: DEFAULT_ACTIVE_RESERVE,
            allegro_budget: BudgetPolicy::allegro(),
        }
    }

    /// The defaults overridden by the `MARKETDESK_POLL_*` variables.
    pub fn from_env(
        env: &Env,
        tick: Duration,
        allegro_budget: BudgetPolicy,
    ) -> Result<Self, ConfigError> {
        let mut settings = Self {
            allegro_budget,
            ..Self::new(tick)
        };
        let at_least_tick = |var: &str, value: Option<Duration>, default: Duration| match value {
            Some(every) if every < tick => Err(ConfigError::Invalid {
                var: var.to_owned(),
                value: format!("{}s", every.as_secs_f64()),
                reason: format!(
                    "an inbox cannot be read more often than the scheduler runs ({}s)",
                    tick.as_secs_f64()
                ),
            }),
            Some(every) => Ok(every),
            None => Ok(default),
        };
        settings.messaging_every = at_least_tick(
            "MARKETDESK_POLL_MESSAGING_EVERY",
            env.duration("MARKETDESK_POLL_MESSAGING_EVERY")?,
            settings.messaging_every,
        )?;
        settings.issues_every = at_least_tick(
            "MARKETDESK_POLL_ISSUES_EVERY",
            env.duration("MARKETDESK_POLL_ISSUES_EVERY")?,
            settings.issues_every,
        )?;
        settings.empik_every = at_least_tick(
            "MARKETDESK_POLL_EMPIK_EVERY",
            env.duration("MARKETDESK_POLL_EMPIK_EVERY")?,
            settings.empik_every,
        )?;
        settings.offers_every = at_least_tick(
            "MARKETDESK_POLL_OFFERS_EVERY",
            env.duration("MARKETDESK_POLL_OFFERS_EVERY")?,
            settings.offers_every,
        )?;
        if let Some(every) = env.duration("MARKETDESK_POLL_ACTIVE_EVERY")? {
            settings.active_every = every;
        }
        if let Some(value) = env.optional("MARKETDESK_POLL_ACTIVE_FOR") {
            settings.active_for = if value.trim() == "0" {
                Duration::ZERO
            } else {
                env.duration("MARKETDESK_POLL_ACTIVE_FOR")?
                    .unwrap_or(DEFAULT_ACTIVE_FOR)
            };
        }
        if let Some(value) = env.optional("MARKETDESK_POLL_ACTIVE_RESERVE") {
            settings.active_reserve = value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|share| (0.0..=0.9).contains(share))
                .ok_or_else(|| ConfigError::Invalid {
                    var: "MARKETDESK_POLL_ACTIVE_RESERVE".into(),
                    value: value.into(),
                    reason: "expected a share between 0.0 and 0.9".into(),
                })?;
        }
        Ok(settings)
    }

    /// How often `channel` should be read when the budget allows.
    pub fn wanted(&self, channel: Channel) -> Duration {
        match channel {
            Channel::AllegroMessaging => self.messaging_every,
            Channel::AllegroIssues => self.issues_every,
            Channel::EmpikThreads => self.empik_every,
            // The order journal: one call per read, as often as Message Center.
            Channel::AllegroOrders => self.messaging_every,
            Channel::AllegroOffers => self.offers_every,
        }
    }

    /// Allegro calls a minute every poll together (scheduled reads and re-reads of active
    /// accounts) may take: the background share of the budget (default 80 % of 9000).
    pub fn allegro_poll_calls_per_minute(&self) -> Option<f64> {
        let per_minute = f64::from(self.allegro_budget.per_minute?);
        let share = self.allegro_budget.background_share.clamp(0.1, 1.0);
        Some(per_minute * share)
    }

    /// Calls a minute of that share kept for re-reads of active accounts when the scheduled
    /// reads must stretch anyway (see [`fit_with_reserve`]); while every inbox keeps its
    /// wanted cadence, idle accounts make no re-reads and nothing is held back from them.
    pub fn allegro_reserve_per_minute(&self) -> f64 {
        self.allegro_poll_calls_per_minute()
            .map_or(0.0, |share| share * self.active_reserve.clamp(0.0, 0.9))
    }

    /// Settings that read each inbox once per job, without re-reads of active accounts (the
    /// "everything now" path of tests and tools).
    pub fn reads_once(tick: Duration) -> Self {
        Self {
            active_for: Duration::ZERO,
            ..Self::new(tick)
        }
    }
}

/// FNV-1a, 64 bits: stable across processes, versions and platforms (the standard library's
/// hasher is not promised to be), so every worker computes the same phase.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Whole milliseconds of `duration`, at least 1 (a zero cadence would divide by zero).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Where inside `cadence` the polls of `key` fall: the same for every tick and worker.
pub fn phase(key: &str, cadence: Duration) -> Duration {
    Duration::from_millis(fnv1a(key) % millis(cadence))
}

/// How long after `now` the next poll of `key` is due when it is read every `cadence`
/// (due times are the Unix epoch plus the key's phase plus whole cadences).
pub fn next_due_in(key: &str, cadence: Duration, now: DateTime<Utc>) -> Duration {
    let cadence_ms = millis(cadence);
    let phase_ms = fnv1a(key) % cadence_ms;
    // Before 1970 is not a time marketdesk runs at; treat it as the epoch.
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0) % cadence_ms;
    Duration::from_millis((phase_ms + cadence_ms - now_ms) % cadence_ms)
}

/// The delay to queue `key`'s poll with when a tick at `now` covers the next `window` (the
/// time until the following tick); `None` when its next due time lies beyond the window, so
/// a later tick queues it. With a cadence of at least the window, every due time falls in
/// exactly one window of back-to-back ticks: each key is read once per cadence.
pub fn due_within(
    key: &str,
    cadence: Duration,
    now: DateTime<Utc>,
    window: Duration,
) -> Option<Duration> {
    let due_in = next_due_in(key, cadence, now);
    (due_in < window).then_some(due_in)
}

/// The first due time of `key` on its grid (the Unix epoch plus its phase plus whole
/// cadences) at or after `at`: a time every worker and tick computes alike, so two ticks
/// asking for the same read name the same moment.
pub fn next_due_at(key: &str, cadence: Duration, at: DateTime<Utc>) -> DateTime<Utc> {
    let cadence_ms = i64::try_from(millis(cadence)).unwrap_or(i64::MAX);
    let phase_ms = i64::try_from(fnv1a(key) % millis(cadence)).unwrap_or(0);
    // Grid times are whole milliseconds: round `at` up to one.
    let mut at_ms = at.timestamp_millis();
    if !at.timestamp_subsec_nanos().is_multiple_of(1_000_000) {
        at_ms += 1;
    }
    let due_ms = at_ms + (phase_ms - at_ms).rem_euclid(cadence_ms);
    DateTime::from_timestamp_millis(due_ms).unwrap_or(at)
}

/// Every due time of `key` on its grid in `[from, to)`, earliest first.
pub fn due_times(
    key: &str,
    cadence: Duration,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let step = chrono::Duration::milliseconds(i64::try_from(millis(cadence)).unwrap_or(i64::MAX));
    let mut due = next_due_at(key, cadence, from);
    let mut times = Vec::new();
    while due < to {
        times.push(due);
        due += step;
    }
    times
}

/// The polling wanted for the accounts of one inbox that share a budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InboxLoad {
    /// Accounts reading this inbox.
    pub accounts: usize,
    /// How often each should be read when the budget allows.
    pub wanted: Duration,
    /// Calls one poll makes.
    pub calls_per_poll: f64,
}

/// How one inbox is read under the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InboxPlan {
    /// Time between two polls of one account's inbox.
    pub cadence: Duration,
    /// Calls a minute the inbox takes at that cadence.
    pub calls_per_minute: f64,
    /// The longest a change can wait before it is read: one cadence (a change right after a
    /// poll waits for the next one), in steady state without a 429 block.
    pub worst_staleness: Duration,
}

/// Calls a minute `load` takes when each account is read every `cadence`.
pub fn calls_per_minute(load: &InboxLoad, cadence: Duration) -> f64 {
    let seconds = cadence.as_secs_f64().max(0.001);
    load.accounts as f64 * load.calls_per_poll * 60.0 / seconds
}

/// The cadence of each inbox sharing one budget of `budget_per_minute` calls: the wanted
/// cadence (never faster than `tick`, the scheduler's period) when everything fits, else
/// every cadence stretched by the same factor so the total fits (rounded up to whole
/// seconds, so it never exceeds the budget). `None` budget: no ceiling (EmpikPlace shops).
pub fn fit(loads: &[InboxLoad], budget_per_minute: Option<f64>, tick: Duration) -> Vec<InboxPlan> {
    fit_with_reserve(loads, budget_per_minute, 0.0, tick)
}

/// [`fit`] with `reserve` calls a minute of the budget kept for re-reads of active accounts:
/// the wanted cadences hold while they fit in the whole budget (the reserve is then what they
/// leave free, possibly nothing: idle accounts make no re-reads); when they do not, every
/// cadence stretches so that the reads leave the whole reserve free.
pub fn fit_with_reserve(
    loads: &[InboxLoad],
    budget_per_minute: Option<f64>,
    reserve: f64,
    tick: Duration,
) -> Vec<InboxPlan> {
    let wanted: Vec<Duration> = loads.iter().map(|load| load.wanted.max(tick)).collect();
    let total: f64 = loads
        .iter()
        .zip(&wanted)
        .map(|(load, cadence)| calls_per_minute(load, *cadence))
        .sum();
    let stretch = match budget_per_minute {
        // A rounding hair over the budget is not worth a stretch.
        Some(budget) if total > budget + 1e-6 => {
            let scheduled = (budget - reserve.clamp(0.0, budget * 0.9)).max(1.0);
            total / scheduled
        }
        _ => 1.0,
    };
    loads
        .iter()
        .zip(wanted)
        .map(|(load, wanted)| {
            let cadence = if stretch > 1.0 {
                Duration::from_secs((wanted.as_secs_f64() * stretch).ceil() as u64).max(wanted)
            } else {
                wanted
            };
            InboxPlan {
                cadence,
                calls_per_minute: calls_per_minute(load, cadence),
                worst_staleness: cadence,
            }
        })
        .collect()
}

/// The most accounts that fit in `budget_per_minute` when each reads inboxes with the given
/// cadences and calls per poll (for the docs and the bench: the capacity at some settings).
pub fn capacity(inboxes: &[(Duration, f64)], budget_per_minute: f64) -> usize {
    let per_account: f64 = inboxes
        .iter()
        .map(|(cadence, calls)| calls * 60.0 / cadence.as_secs_f64().max(0.001))
        .sum();
    if per_account <= 0.0 {
        return usize::MAX;
    }
    (budget_per_minute / per_account).floor() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const MINUTE: Duration = Duration::from_secs(60);

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0)
            .single()
            .expect("time")
    }

    fn keys(count: usize) -> Vec<String> {
        (0..count)
            .map(|i| format!("int-{i:05}#allegro_messaging"))
            .collect()
    }

    #[test]
    fn phases_are_stable_and_inside_the_cadence() {
        for key in keys(200) {
            let phase = phase(&key, MINUTE);
            assert!(phase < MINUTE);
            assert_eq!(phase, super::phase(&key, MINUTE), "same key, same phase");
        }
        assert_ne!(phase("a", MINUTE), phase("b", MINUTE));
    }

    #[test]
    fn polls_spread_evenly_over_the_interval() {
        // 6000 accounts, one tick: every key is due within the minute, and each 6 s tenth of
        // it holds about a tenth of them (no burst at the tick).
        let now = at(0);
        let mut buckets = [0usize; 10];
        for key in keys(6000) {
            let delay = due_within(&key, MINUTE, now, MINUTE).expect("due in the window");
            buckets[(delay.as_secs() / 6) as usize] += 1;
        }
        for (tenth, count) in buckets.iter().enumerate() {
            assert!(
                (500..=700).contains(count),
                "tenth {tenth} holds {count} of 6000: {buckets:?}"
            );
        }
    }

    #[test]
    fn back_to_back_ticks_queue_each_key_once_per_cadence() {
        // Issues every 5 minutes, ticks every minute at an odd offset: over 10 ticks every
        // key is queued exactly twice, at its phase each time.
        let cadence = Duration::from_secs(300);
        for key in keys(300) {
            let mut due_at = Vec::new();
            for tick in 0..10 {
                let now = at(17 + tick * 60);
                if let Some(delay) = due_within(&key, cadence, now, MINUTE) {
                    due_at.push(now + chrono::Duration::from_std(delay).expect("delay"));
                }
            }
            assert_eq!(due_at.len(), 2, "{key}: {due_at:?}");
            assert_eq!((due_at[1] - due_at[0]).num_seconds(), 300, "{key}");
        }
    }

    #[test]
    fn due_times_lie_on_the_grid_whoever_computes_them() {
        let cadence = Duration::from_secs(300);
        for key in keys(100) {
            let first = next_due_at(&key, cadence, at(17));
            // The same moment as the delay arithmetic gives, and the same from any instant
            // before it: two ticks asking for one read name one time.
            let delay =
                chrono::Duration::from_std(next_due_in(&key, cadence, at(17))).expect("delay");
            assert_eq!(first, at(17) + delay, "{key}");
            assert_eq!(
                next_due_at(&key, cadence, at(17 - 300)),
                first - chrono::Duration::seconds(300)
            );
            assert_eq!(
                next_due_at(&key, cadence, first),
                first,
                "a due time is its own next"
            );
            let times = due_times(&key, cadence, at(0), at(900));
            assert_eq!(times.len(), 3, "{key}: {times:?}");
            assert!(times.windows(2).all(|w| (w[1] - w[0]).num_seconds() == 300));
            assert!(times[0] >= at(0) && times[2] < at(900));
        }
        // A time with a fraction of a millisecond rounds up to the grid's milliseconds.
        let key = "k";
        let due = next_due_at(key, MINUTE, at(0));
        let just_after = due + chrono::Duration::nanoseconds(1);
        assert_eq!(
            next_due_at(key, MINUTE, just_after),
            due + chrono::Duration::seconds(60)
        );
    }

    #[test]
    fn cadences_stay_as_wanted_while_the_budget_allows() {
        // 6000 accounts, Message Center every minute and issues every 5 minutes: 7200 calls a
        // minute, exactly 80 % of 9000.
        let loads = [
            InboxLoad {
                accounts: 6000,
                wanted: MINUTE,
                calls_per_poll: 1.0,
            },
            InboxLoad {
                accounts: 6000,
                wanted: Duration::from_secs(300),
                calls_per_poll: 1.0,
            },
        ];
        let plans = fit(&loads, Some(7200.0), MINUTE);
        assert_eq!(plans[0].cadence, MINUTE);
        assert_eq!(plans[1].cadence, Duration::from_secs(300));
        let total: f64 = plans.iter().map(|p| p.calls_per_minute).sum();
        assert!((total - 7200.0).abs() < 1e-6, "{total}");
        assert_eq!(plans[0].worst_staleness, MINUTE);
    }

    #[test]
    fn cadences_stretch_to_fit_the_budget() {
        // 20 000 accounts with the same wishes need 24 000 calls a minute: stretched 3.33×,
        // Message Center every 200 s and issues every 1000 s, inside the 7200.
        let loads = [
            InboxLoad {
                accounts: 20_000,
                wanted: MINUTE,
                calls_per_poll: 1.0,
            },
            InboxLoad {
                accounts: 20_000,
                wanted: Duration::from_secs(300),
                calls_per_poll: 1.0,
            },
        ];
        let plans = fit(&loads, Some(7200.0), MINUTE);
        assert_eq!(plans[0].cadence, Duration::from_secs(200));
        assert_eq!(plans[1].cadence, Duration::from_secs(1000));
        let total: f64 = plans.iter().map(|p| p.calls_per_minute).sum();
        assert!(total <= 7200.0 + 1e-6, "{total}");
        assert!(total > 7000.0, "the budget is used, not wasted: {total}");
        // Every inbox read at least every 5 minutes: 20 000 accounts × 2 inboxes / 5 min is
        // 8000 calls a minute, over the 80 % share; 18 000 fit.
        assert_eq!(
            capacity(&[(Duration::from_secs(300), 1.0); 2], 7200.0),
            18_000
        );
        assert_eq!(
            capacity(&[(MINUTE, 1.0), (Duration::from_secs(300), 1.0)], 7200.0),
            6000
        );
    }

    #[test]
    fn the_reserve_is_kept_only_from_what_the_wanted_cadences_leave_or_when_they_stretch() {
        let loads = |accounts: usize| {
            [
                InboxLoad {
                    accounts,
                    wanted: MINUTE,
                    calls_per_poll: 1.0,
                },
                InboxLoad {
                    accounts,
                    wanted: Duration::from_secs(300),
                    calls_per_poll: 1.0,
                },
            ]
        };
        let cadences = |plans: &[InboxPlan]| -> Vec<u64> {
            plans.iter().map(|plan| plan.cadence.as_secs()).collect()
        };
        // 6000 accounts need the whole 7200 of the share: they keep their cadences, the 360
        // reserved for re-reads is not taken from idle accounts in advance.
        let plans = fit_with_reserve(&loads(6000), Some(7200.0), 360.0, MINUTE);
        assert_eq!(cadences(&plans), [60, 300]);
        let total: f64 = plans.iter().map(|p| p.calls_per_minute).sum();
        assert!(total <= 7200.0 + 1e-6, "{total}");
        // One more does not fit: the cadences stretch so the reads leave the reserve free.
        let plans = fit_with_reserve(&loads(6001), Some(7200.0), 360.0, MINUTE);
        assert_eq!(cadences(&plans), [64, 316]);
        let total: f64 = plans.iter().map(|p| p.calls_per_minute).sum();
        assert!(total <= 6840.0 + 1e-6, "{total}");
        // A reserve as big as the budget still leaves the reads a tenth of it.
        let plans = fit_with_reserve(&loads(6001), Some(7200.0), 1e9, MINUTE);
        let total: f64 = plans.iter().map(|p| p.calls_per_minute).sum();
        assert!((700.0..=720.0).contains(&total), "{total}");
    }

    #[test]
    fn no_cadence_is_faster_than_the_tick_and_unlimited_budgets_never_stretch() {
        let load = InboxLoad {
            accounts: 100_000,
            wanted: Duration::from_secs(10),
            calls_per_poll: 1.0,
        };
        let plans = fit(&[load], None, MINUTE);
        assert_eq!(plans[0].cadence, MINUTE);
        assert!((plans[0].calls_per_minute - 100_000.0).abs() < 1e-6);
        let empty = fit(
            &[InboxLoad {
                accounts: 0,
                wanted: MINUTE,
                calls_per_poll: 1.0,
            }],
            Some(0.0),
            MINUTE,
        );
        assert_eq!(empty[0].cadence, MINUTE, "no accounts, nothing to stretch");
    }
}
