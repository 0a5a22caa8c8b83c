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
/// Default longest a stretched inbox may go unread: when the wanted cadences do not fit the
/// budget, every inbox is still read at least this often as long as that fits (issue 15:
/// up to 20 000 accounts with every inbox read at least every 5 minutes).
pub const DEFAULT_MAX_EVERY: Duration = Duration::from_secs(300);
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
    /// The longest a stretched Allegro inbox may go unread while the budget allows it
    /// (`MARKETDESK_POLL_MAX_EVERY`, default 5 minutes, never below the tick); an inbox
    /// wanted slower keeps its own cadence. See [`fit_within`].
    pub max_every: Duration,
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
            max_every: DEFAULT_MAX_EVERY.max(tick),
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
        settings.max_every = at_least_tick(
            "MARKETDESK_POLL_MAX_EVERY",
            env.duration("MARKETDESK_POLL_MAX_EVERY")?,
            settings.max_every,
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
    /// reads must stretch anyway (see [`fit_within`]); while every inbox keeps its
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

/// How a plan's cadences relate to what was wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fitted {
    /// Every inbox at its wanted cadence (or no ceiling).
    AsWanted,
    /// Stretched by one factor from the wanted cadences, no maximum staleness given
    /// (background work).
    Stretched,
    /// Stretched to fit, every inbox still read at least as often as the maximum staleness
    /// (or its own slower wanted cadence) allows.
    WithinMax,
    /// Even the maximum staleness for every inbox does not fit: stretched beyond it.
    BeyondMax,
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
    /// Whether the plan kept the wanted cadences, or the maximum staleness.
    pub fitted: Fitted,
}

/// Calls a minute `load` takes when each account is read every `cadence`.
pub fn calls_per_minute(load: &InboxLoad, cadence: Duration) -> f64 {
    let seconds = cadence.as_secs_f64().max(0.001);
    load.accounts as f64 * load.calls_per_poll * 60.0 / seconds
}

/// Calls a minute of every load at its cadence.
fn total_calls(loads: &[InboxLoad], cadences: &[Duration]) -> f64 {
    loads
        .iter()
        .zip(cadences)
        .map(|(load, cadence)| calls_per_minute(load, *cadence))
        .sum()
}

/// The plans of `loads` at `cadences`.
fn plans(loads: &[InboxLoad], cadences: &[Duration], fitted: Fitted) -> Vec<InboxPlan> {
    loads
        .iter()
        .zip(cadences)
        .map(|(load, cadence)| InboxPlan {
            cadence: *cadence,
            calls_per_minute: calls_per_minute(load, *cadence),
            worst_staleness: *cadence,
            fitted,
        })
        .collect()
}

/// `cadences` stretched by the one factor that makes `loads` fit in `per_minute` calls,
/// rounded up to whole seconds (so the total never exceeds it).
fn stretched(loads: &[InboxLoad], cadences: &[Duration], per_minute: f64) -> Vec<Duration> {
    let factor = total_calls(loads, cadences) / per_minute.max(1.0);
    cadences
        .iter()
        .map(|cadence| {
            if factor > 1.0 {
                Duration::from_secs((cadence.as_secs_f64() * factor).ceil() as u64).max(*cadence)
            } else {
                *cadence
            }
        })
        .collect()
}

/// A rounding hair over the budget is not worth a stretch.
const HAIR: f64 = 1e-6;

/// The cadence of each inbox sharing one budget of `budget_per_minute` calls: the wanted
/// cadence (never faster than `tick`, the scheduler's period) when everything fits, else
/// every cadence stretched by the same factor so the total fits (rounded up to whole
/// seconds, so it never exceeds the budget). `None` budget: no ceiling (EmpikPlace shops).
pub fn fit(loads: &[InboxLoad], budget_per_minute: Option<f64>, tick: Duration) -> Vec<InboxPlan> {
    fit_within(loads, budget_per_minute, 0.0, None, tick)
}

/// [`fit`] with `reserve` calls a minute of the budget kept for re-reads of active accounts
/// and a longest staleness `max_every`:
///
/// - the wanted cadences hold while they fit in the whole budget (the reserve is then what
///   they leave free, possibly nothing: idle accounts make no re-reads, and the re-reads
///   that come go ahead of the scheduled polls in the gate, `Priority::ActiveRead`);
/// - when they do not, the scheduled reads are fitted into the budget less the reserve, and
///   as long as every inbox read at least every `max_every` fits, the fastest inboxes are
///   stretched first: a common floor `L` (whole seconds, at most `max_every`) is raised
///   until the total fits, and each inbox is read every `max(wanted, L)`. That keeps the
///   longest staleness as low as the budget allows, and no inbox beyond `max_every` (nor
///   beyond its own slower wanted cadence);
/// - when even that does not fit, every inbox is stretched by one factor from
///   `max(wanted, max_every)`, so the worst staleness grows smoothly past `max_every`
///   instead of jumping (a plan stretched from the wanted cadences would leave a 1-minute
///   inbox at 3.5 minutes and a 5-minute one at 17.5 minutes, where 6 minutes for both
///   fits), and the plans say [`Fitted::BeyondMax`] (the scheduler's log says so).
///
/// `None` for `max_every`: stretched from the wanted cadences by one factor (background
/// work, where staleness is not a promise), [`Fitted::Stretched`].
pub fn fit_within(
    loads: &[InboxLoad],
    budget_per_minute: Option<f64>,
    reserve: f64,
    max_every: Option<Duration>,
    tick: Duration,
) -> Vec<InboxPlan> {
    let wanted: Vec<Duration> = loads.iter().map(|load| load.wanted.max(tick)).collect();
    let Some(budget) =
        budget_per_minute.filter(|budget| total_calls(loads, &wanted) > budget + HAIR)
    else {
        return plans(loads, &wanted, Fitted::AsWanted);
    };
    let scheduled = (budget - reserve.clamp(0.0, budget * 0.9)).max(1.0);
    let Some(max_every) = max_every.map(|max| max.max(tick)) else {
        return plans(
            loads,
            &stretched(loads, &wanted, scheduled),
            Fitted::Stretched,
        );
    };
    let floored = |floor: Duration| -> Vec<Duration> {
        wanted.iter().map(|wanted| (*wanted).max(floor)).collect()
    };
    let at_max = floored(max_every);
    if total_calls(loads, &at_max) > scheduled + HAIR {
        return plans(
            loads,
            &stretched(loads, &at_max, scheduled),
            Fitted::BeyondMax,
        );
    }
    // The lowest whole-second floor that fits; the floor at `max_every` does.
    let fits = |seconds: u64| {
        let floor = Duration::from_secs(seconds).min(max_every);
        total_calls(loads, &floored(floor)) <= scheduled + HAIR
    };
    let (mut low, mut high) = (tick.as_secs().max(1), max_every.as_secs_f64().ceil() as u64);
    while low < high {
        let middle = low + (high - low) / 2;
        if fits(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    let floor = Duration::from_secs(high).min(max_every);
    plans(loads, &floored(floor), Fitted::WithinMax)
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
    const FIVE_MINUTES: Duration = Duration::from_secs(300);

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

    /// Message Center every minute and issues every 5 minutes on `accounts` accounts.
    fn default_loads(accounts: usize) -> [InboxLoad; 2] {
        [
            InboxLoad {
                accounts,
                wanted: MINUTE,
                calls_per_poll: 1.0,
            },
            InboxLoad {
                accounts,
                wanted: FIVE_MINUTES,
                calls_per_poll: 1.0,
            },
        ]
    }

    fn cadences(plans: &[InboxPlan]) -> Vec<u64> {
        plans.iter().map(|plan| plan.cadence.as_secs()).collect()
    }

    fn total(plans: &[InboxPlan]) -> f64 {
        plans.iter().map(|plan| plan.calls_per_minute).sum()
    }

    /// The default plan of `accounts`: 7200 calls a minute (80 % of 9000), 360 of them (5 %)
    /// kept for re-reads once stretched, every inbox at most every 5 minutes.
    fn default_plan(accounts: usize) -> Vec<InboxPlan> {
        fit_within(
            &default_loads(accounts),
            Some(7200.0),
            360.0,
            Some(FIVE_MINUTES),
            MINUTE,
        )
    }

    #[test]
    fn the_reserve_is_kept_only_from_what_the_wanted_cadences_leave_or_when_they_stretch() {
        // 6000 accounts need the whole 7200 of the share: they keep their cadences, the 360
        // reserved for re-reads is not taken from idle accounts in advance.
        let plans = default_plan(6000);
        assert_eq!(cadences(&plans), [60, 300]);
        assert_eq!(plans[0].fitted, Fitted::AsWanted);
        assert!(total(&plans) <= 7200.0 + 1e-6, "{}", total(&plans));
        // One more does not fit: Message Center stretches (issues are at the 5-minute
        // maximum already) so the reads leave the reserve free.
        let plans = default_plan(6001);
        assert_eq!(cadences(&plans), [64, 300]);
        assert_eq!(plans[1].fitted, Fitted::WithinMax);
        assert!(total(&plans) <= 6840.0 + 1e-6, "{}", total(&plans));
        // A reserve as big as the budget still leaves the reads a tenth of it.
        let plans = fit_within(&default_loads(6001), Some(7200.0), 1e9, None, MINUTE);
        assert!(
            (700.0..=720.0).contains(&total(&plans)),
            "{}",
            total(&plans)
        );
    }

    #[test]
    fn stretching_keeps_every_inbox_within_the_maximum_staleness_while_that_fits() {
        // 10 000 accounts want 12 000 calls a minute. Issues stay at 5 minutes (2000 a
        // minute); Message Center gets the rest of the 6840: 10 000 × 60 / 4840 = 124 s
        // rounded up (123 s would take 4878).
        let plans = default_plan(10_000);
        assert_eq!(cadences(&plans), [124, 300]);
        assert!(plans.iter().all(|plan| plan.fitted == Fitted::WithinMax));
        assert!(total(&plans) <= 6840.0 + 1e-6, "{}", total(&plans));
        let faster = [Duration::from_secs(123), FIVE_MINUTES];
        assert!(total_calls(&default_loads(10_000), &faster) > 6840.0);
        assert_eq!(plans[0].worst_staleness, Duration::from_secs(124));
        // The most accounts with every inbox every 5 minutes inside the 6840: 17 100, both
        // inboxes stretched to the maximum and no further.
        assert_eq!(capacity(&[(FIVE_MINUTES, 1.0); 2], 6840.0), 17_100);
        let plans = default_plan(17_100);
        assert_eq!(cadences(&plans), [300, 300]);
        assert_eq!(plans[0].fitted, Fitted::WithinMax);
        // An inbox wanted slower than the maximum keeps its own cadence: issues every 10
        // minutes leave Message Center 5840 a minute, 10 000 × 60 / 5840 = 103 s.
        let mut loads = default_loads(10_000);
        loads[1].wanted = Duration::from_secs(600);
        let plans = fit_within(&loads, Some(7200.0), 360.0, Some(FIVE_MINUTES), MINUTE);
        assert_eq!(cadences(&plans), [103, 600]);
    }

    #[test]
    fn beyond_the_maximum_staleness_every_inbox_stretches_evenly_and_says_so() {
        // 18 000 accounts with every inbox every 5 minutes need 7200 a minute: all of the
        // 80 % share, so they fit as wanted when Message Center is wanted every 5 minutes
        // (nothing stretches, nothing is held back)...
        let mut every_five = default_loads(18_000);
        every_five[0].wanted = FIVE_MINUTES;
        let plans = fit_within(&every_five, Some(7200.0), 360.0, Some(FIVE_MINUTES), MINUTE);
        assert_eq!(cadences(&plans), [300, 300]);
        assert_eq!(plans[0].fitted, Fitted::AsWanted);
        assert!((total(&plans) - 7200.0).abs() < 1e-6);
        // ...but at the defaults (Message Center wanted every minute) the plan stretches and
        // keeps the reserve: 7200 > 6840, so both go to 300 × 7200 / 6840 = 315.8, 316 s.
        let plans = default_plan(18_000);
        assert_eq!(cadences(&plans), [316, 316]);
        assert!(plans.iter().all(|plan| plan.fitted == Fitted::BeyondMax));
        assert!(total(&plans) <= 6840.0 + 1e-6, "{}", total(&plans));
        // Without the reserve the 18 000 are read every 5 minutes.
        let plans = fit_within(
            &default_loads(18_000),
            Some(7200.0),
            0.0,
            Some(FIVE_MINUTES),
            MINUTE,
        );
        assert_eq!(cadences(&plans), [300, 300]);
        assert_eq!(plans[0].fitted, Fitted::WithinMax);
        // 20 000 at the defaults: 8000 a minute at 5 minutes each, over the 6840: both
        // stretch to 300 × 8000 / 6840 = 350.9, 351 s, reported beyond the maximum.
        let plans = default_plan(20_000);
        assert_eq!(cadences(&plans), [351, 351]);
        assert!(plans.iter().all(|plan| plan.fitted == Fitted::BeyondMax));
        assert_eq!(plans[1].worst_staleness, Duration::from_secs(351));
        assert!(total(&plans) <= 6840.0 + 1e-6, "{}", total(&plans));
        assert!(
            total(&plans) > 6800.0,
            "the budget is used: {}",
            total(&plans)
        );
        // One past the capacity at 5 minutes grows the worst staleness by a second, not to
        // the 17 minutes of a stretch from the wanted cadences.
        let plans = default_plan(17_101);
        assert_eq!(cadences(&plans), [301, 301]);
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
