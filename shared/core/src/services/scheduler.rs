//! The scheduler: poll jobs for the active, connected integrations. [`schedule`] reads each
//! inbox at its cadence, fitted to the Allegro budget, spread over the interval by each
//! account's phase ([`crate::polling`]); [`fan_out`] queues every inbox at once (tests and
//! tools). A job for an inbox still queued or running is merged (see `services::polling`).

use super::poll_batch::{self, WhenHeld};
use super::polling::{self, PollingSettings, Requested};
use super::ServiceError;
use crate::domain::{Channel, Marketplace};
use crate::ids::{IntegrationId, TenantId};
use crate::jobs::PollJob;
use crate::polling::{due_times, fit, fit_within, Fitted, InboxLoad, IDLE_CALLS_PER_POLL};
use crate::ports::{PageCursor, Ports};
use crate::repo::integrations;
use std::time::Duration;

/// What one fan-out did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FanOutReport {
    /// Integrations looked at.
    pub integrations: usize,
    /// Poll jobs queued.
    pub jobs: usize,
    /// Jobs not queued because one for the same integration and channel was still queued
    /// or running.
    pub merged: usize,
}

/// The scheduler's period on AWS (the one-minute rule).
const TICK: Duration = Duration::from_secs(60);

/// Queues a poll job for every channel of every integration that should be polled, all due
/// now, regardless of cadence (tests and tools; the scheduler runs [`schedule`]).
pub async fn fan_out(ports: &Ports) -> Result<FanOutReport, ServiceError> {
    let mut report = FanOutReport::default();
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = integrations::list_all(&*ports.store, after, 500).await?;
        let mut jobs = Vec::new();
        for integration in page {
            report.integrations += 1;
            if !integration.should_poll() {
                continue;
            }
            for channel in integration.poll_channels() {
                jobs.push(PollJob::new(
                    integration.tenant_id.clone(),
                    integration.id.clone(),
                    channel,
                ));
            }
        }
        for outcome in poll_batch::request_polls(ports, jobs, WhenHeld::Merge, TICK).await? {
            match outcome {
                Requested::Queued => report.jobs += 1,
                Requested::Deferred | Requested::Merged => report.merged += 1,
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(report),
        }
    }
}

/// How one channel is read this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelPlan {
    /// The inbox.
    pub channel: Channel,
    /// Accounts reading it.
    pub accounts: usize,
    /// Time between two reads of one account's inbox (stretched when the budget is short).
    pub cadence: Duration,
    /// Calls a minute the scheduled reads of this inbox take.
    pub calls_per_minute: f64,
    /// Whether the cadence is the wanted one, or stretched within or beyond the maximum
    /// staleness (`MARKETDESK_POLL_MAX_EVERY`).
    pub fitted: Fitted,
}

/// What one scheduling tick did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleReport {
    /// Integrations looked at, jobs queued, requests merged.
    pub fan_out: FanOutReport,
    /// Reads recorded on the lease of a job still queued or running, which queues them.
    pub deferred: usize,
    /// Inboxes not due before the next tick.
    pub not_due: usize,
    /// The cadence of each channel.
    pub plans: Vec<ChannelPlan>,
}

impl ScheduleReport {
    /// The plan of `channel`, when an account reads it.
    pub fn plan(&self, channel: Channel) -> Option<&ChannelPlan> {
        self.plans.iter().find(|plan| plan.channel == channel)
    }
}

/// The cadence of every channel for these account counts: Allegro's inboxes share the
/// client id's budget (when they do not fit, the faster ones stretched first, every inbox
/// kept within `settings.max_every` while that fits, see [`fit_within`]), EmpikPlace shops
/// each have their own, so their wanted cadence holds.
pub fn plan(settings: &PollingSettings, allegro: usize, empik: usize) -> Vec<ChannelPlan> {
    let load = |accounts: usize, channel: Channel| InboxLoad {
        accounts,
        wanted: settings.wanted(channel),
        calls_per_poll: IDLE_CALLS_PER_POLL,
    };
    let allegro_channels = [Channel::AllegroMessaging, Channel::AllegroIssues];
    let allegro_loads = allegro_channels.map(|channel| load(allegro, channel));
    let allegro_plans = fit_within(
        &allegro_loads,
        settings.allegro_poll_calls_per_minute(),
        settings.allegro_reserve_per_minute(),
        Some(settings.max_every),
        settings.tick,
    );
    let empik_plans = fit(&[load(empik, Channel::EmpikThreads)], None, settings.tick);
    allegro_channels
        .iter()
        .zip(allegro_plans)
        .map(|(channel, plan)| (*channel, allegro, plan))
        .chain(std::iter::once((
            Channel::EmpikThreads,
            empik,
            empik_plans[0],
        )))
        .map(|(channel, accounts, plan)| ChannelPlan {
            channel,
            accounts,
            cadence: plan.cadence,
            calls_per_minute: plan.calls_per_minute,
            fitted: plan.fitted,
        })
        .collect()
}

/// Calls one offers poll is planned for: the journal page and about one changed offer read
/// (a quiet account costs one call; the full re-reads, a page of 1 000 a call, come daily).
pub const OFFER_CALLS_PER_POLL: f64 = 2.0;

/// The cadence of the Allegro background channels, the order journal (`orders` accounts)
/// and the offers (`offers` accounts), fitted into what the conversation inboxes'
/// `conversations` plans leave of the budget: they are planned last, as their calls are
/// admitted last (`services::budget::Priority`), so they never slow a buyer-conversation
/// poll; when the conversations fill the budget they stretch instead.
pub fn background_plan(
    settings: &PollingSettings,
    conversations: &[ChannelPlan],
    orders: usize,
    offers: usize,
) -> Vec<ChannelPlan> {
    let used: f64 = conversations
        .iter()
        .filter(|plan| plan.channel != Channel::EmpikThreads)
        .map(|plan| plan.calls_per_minute)
        .sum();
    let left = settings
        .allegro_poll_calls_per_minute()
        .map(|budget| (budget - used).max(1.0));
    let channels = [
        (Channel::AllegroOrders, orders, IDLE_CALLS_PER_POLL),
        (Channel::AllegroOffers, offers, OFFER_CALLS_PER_POLL),
    ];
    let loads = channels.map(|(channel, accounts, calls_per_poll)| InboxLoad {
        accounts,
        wanted: settings.wanted(channel),
        calls_per_poll,
    });
    channels
        .iter()
        .zip(fit(&loads, left, settings.tick))
        .map(|((channel, accounts, _), plan)| ChannelPlan {
            channel: *channel,
            accounts: *accounts,
            cadence: plan.cadence,
            calls_per_minute: plan.calls_per_minute,
            fitted: plan.fitted,
        })
        .collect()
}

/// One scheduler tick: counts the polled accounts, fits the cadences to the budget
/// ([`plan`]) and requests a poll of every inbox due before the next tick, delayed to its
/// due time, so the reads spread evenly over the interval instead of bursting at the tick.
pub async fn schedule(
    ports: &Ports,
    settings: &PollingSettings,
) -> Result<ScheduleReport, ServiceError> {
    let mut report = ScheduleReport::default();
    let mut polled: Vec<(TenantId, IntegrationId, Marketplace, Vec<Channel>)> = Vec::new();
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = integrations::list_all(&*ports.store, after, 500).await?;
        for integration in page {
            report.fan_out.integrations += 1;
            if integration.should_poll() {
                let channels = integration.poll_channels();
                polled.push((
                    integration.tenant_id,
                    integration.id,
                    integration.kind,
                    channels,
                ));
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    let count = |kind: Marketplace| polled.iter().filter(|(_, _, k, _)| *k == kind).count();
    let reading = |channel: Channel| {
        polled
            .iter()
            .filter(|(_, _, _, channels)| channels.contains(&channel))
            .count()
    };
    report.plans = plan(
        settings,
        count(Marketplace::Allegro),
        count(Marketplace::Empik),
    );
    let background = background_plan(
        settings,
        &report.plans,
        reading(Channel::AllegroOrders),
        reading(Channel::AllegroOffers),
    );
    report.plans.extend(background);
    // The due times on each inbox's grid before the next tick. The jobs carry them and each
    // chunk takes its delays from the clock when it is queued, so a tick that takes a while
    // neither delays its reads nor asks twice for one (a second request for the same due
    // time is merged into the job that reads for it).
    let now = ports.clock.now();
    let window_end = now + chrono::Duration::from_std(settings.tick).unwrap_or_default();
    let mut jobs = Vec::new();
    for (tenant, integration, _, channels) in polled {
        for channel in &channels {
            let Some(plan) = report.plan(*channel).copied() else {
                continue;
            };
            let key = polling::phase_key(&tenant, &integration, *channel);
            let due = due_times(&key, plan.cadence, now, window_end);
            if due.is_empty() {
                report.not_due += 1;
            }
            for due_at in due {
                jobs.push(PollJob::new(tenant.clone(), integration.clone(), *channel).due(due_at));
            }
        }
    }
    for outcome in poll_batch::request_polls(ports, jobs, WhenHeld::Defer, settings.tick).await? {
        match outcome {
            Requested::Queued => report.fan_out.jobs += 1,
            Requested::Deferred => report.deferred += 1,
            Requested::Merged => report.fan_out.merged += 1,
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn cadence(plans: &[ChannelPlan], channel: Channel) -> u64 {
        plans
            .iter()
            .find(|plan| plan.channel == channel)
            .map(|plan| plan.cadence.as_secs())
            .expect("planned")
    }

    #[test]
    fn the_allegro_inboxes_share_the_budget_and_empik_shops_keep_their_cadence() {
        let settings = PollingSettings::new(MINUTE);
        // 6000 accounts at 1 and 5 minutes need 7200 calls a minute, exactly 80 % of 9000:
        // they keep their cadences (idle accounts make no re-reads, so the 5 % reserve for
        // active ones is not held back from them).
        let plans = plan(&settings, 6000, 50_000);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 60);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
        assert_eq!(
            cadence(&plans, Channel::EmpikThreads),
            60,
            "own budget per shop"
        );
        let allegro: f64 = plans
            .iter()
            .filter(|plan| plan.channel != Channel::EmpikThreads)
            .map(|plan| plan.calls_per_minute)
            .sum();
        assert!(allegro <= 7200.0 + 1e-6, "{allegro}");
        // One account more does not fit: Message Center stretches (issues are at the
        // 5-minute maximum staleness already) so the reads leave the reserve free (6840
        // calls a minute).
        let plans = plan(&settings, 6001, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 64);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
        let no_reserve = PollingSettings {
            active_reserve: 0.0,
            ..settings
        };
        let plans = plan(&no_reserve, 6001, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 61);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
        // The other figures of docs/performance.md.
        let plans = plan(&settings, 10_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 124);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
        assert_eq!(plans[0].fitted, Fitted::WithinMax);
        let plans = plan(&settings, 17_100, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 300);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
        let plans = plan(&settings, 18_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 316);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 316);
        let plans = plan(&settings, 20_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 351);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 351);
        assert_eq!(plans[1].fitted, Fitted::BeyondMax, "reported");
        // With a 10-minute maximum the same plan (the lowest worst staleness that fits) is
        // within it: nothing to report.
        let ten_minutes = PollingSettings {
            max_every: Duration::from_secs(600),
            ..settings
        };
        let plans = plan(&ten_minutes, 20_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 351);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 351);
        assert_eq!(plans[0].fitted, Fitted::WithinMax);
        let every_five = PollingSettings {
            messaging_every: Duration::from_secs(300),
            ..settings
        };
        let plans = plan(&every_five, 18_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 300);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
        assert_eq!(plans[0].fitted, Fitted::AsWanted);
        let plans = plan(&every_five, 20_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 351);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 351);
        let mut roomier = PollingSettings {
            active_reserve: 0.0,
            ..every_five
        };
        roomier.allegro_budget.background_share = 0.9;
        let plans = plan(&roomier, 20_000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 300);
        assert_eq!(
            crate::polling::capacity(&[(Duration::from_secs(300), 1.0); 2], 6840.0),
            17_100
        );
        assert_eq!(
            crate::polling::capacity(&[(MINUTE, 1.0), (Duration::from_secs(300), 1.0)], 6840.0),
            5_700
        );
        // Orders and offers come out of what the conversations leave: 1000 accounts are read
        // as wanted; at 6000 the conversations fill the share and they stretch instead.
        let plans = plan(&settings, 1000, 0);
        let background = background_plan(&settings, &plans, 1000, 1000);
        assert_eq!(cadence(&background, Channel::AllegroOrders), 60);
        assert_eq!(cadence(&background, Channel::AllegroOffers), 600);
        let plans = plan(&settings, 6000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 60, "unchanged");
        let background = background_plan(&settings, &plans, 6000, 6000);
        assert!(cadence(&background, Channel::AllegroOffers) > 3600);
        let total: f64 = plans
            .iter()
            .chain(&background)
            .map(|plan| plan.calls_per_minute)
            .sum();
        assert!(total <= 7200.0 + 1.0, "{total}");
        // 1000 accounts are read as wanted, with room to spare.
        let plans = plan(&settings, 1000, 0);
        assert_eq!(cadence(&plans, Channel::AllegroMessaging), 60);
        assert_eq!(cadence(&plans, Channel::AllegroIssues), 300);
    }
}
