//! What the one-minute schedule does, shared by the `scheduler` Lambda and `marketdesk serve`:
//! queue the poll jobs due before the next tick (each inbox at its cadence, fitted to the
//! Allegro budget, see [`scheduler::schedule`]), finish device-flow grants the seller has
//! confirmed, and hand due autoresponses to the outbox, wake snoozed tickets and send due SLA
//! notices.

use super::autoresponder::due;
use super::observe::Gauges;
use super::polling::PollingSettings;
use super::scheduler::ScheduleReport;
use super::{connect, scheduler, sla, workflow, ServiceError};
use crate::ports::{OAuthProvider, Ports};

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickReport {
    /// Integrations looked at.
    pub integrations: usize,
    /// Poll jobs queued.
    pub jobs: usize,
    /// Device-flow grants completed.
    pub connected: usize,
    /// Autoresponses queued.
    pub autoresponses: usize,
    /// Autoresponses skipped (too late, answered, closed).
    pub autoresponses_skipped: usize,
    /// SLA notices sent (deadline near or passed).
    pub sla_notices: usize,
    /// Snoozed tickets woken.
    pub woken: usize,
}

/// Runs one scheduler tick with `polling`'s cadences; device grants are polled through `oauth`
/// (none without an OAuth marketplace). A device-grant failure is logged, not fatal: the poll
/// jobs matter more.
pub async fn scheduler_tick(
    ports: &Ports,
    polling: &PollingSettings,
    oauth: Option<&dyn OAuthProvider>,
) -> Result<TickReport, ServiceError> {
    let schedule = scheduler::schedule(ports, polling).await?;
    let mut report = TickReport {
        integrations: schedule.fan_out.integrations,
        jobs: schedule.fan_out.jobs,
        connected: 0,
        autoresponses: 0,
        autoresponses_skipped: 0,
        sla_notices: 0,
        woken: 0,
    };
    if let Some(provider) = oauth {
        match connect::complete_devices(ports, provider).await {
            Ok(connected) => report.connected = connected,
            Err(error) => tracing::warn!(%error, "device-flow grants could not be checked"),
        }
    }
    match due::run_due(ports, ports.clock.now()).await {
        Ok(due) => {
            report.autoresponses = due.queued;
            report.autoresponses_skipped = due.skipped;
        }
        Err(error) => tracing::warn!(%error, "due autoresponses could not be read"),
    }
    let now = ports.clock.now();
    match workflow::wake_snoozed(ports, now).await {
        Ok(woken) => report.woken = woken,
        Err(error) => tracing::warn!(%error, "snoozed tickets could not be read"),
    }
    match sla::notify_due(ports, now).await {
        Ok(sent) => report.sla_notices = sent.nearing + sent.breached,
        Err(error) => tracing::warn!(%error, "due SLA notices could not be read"),
    }
    match super::observe::refresh_with(ports, &schedule.plans).await {
        Ok(gauges) => log_polling(&schedule, &gauges),
        Err(error) => {
            tracing::warn!(%error, "poll lag and disconnected integrations could not be measured")
        }
    }
    Ok(report)
}

/// One line per tick: each channel's accounts, cadence, planned calls and worst-case
/// staleness, and what the tick queued.
fn log_polling(schedule: &ScheduleReport, gauges: &Gauges) {
    let channels: Vec<String> = schedule
        .plans
        .iter()
        .filter(|plan| plan.accounts > 0)
        .map(|plan| {
            let worst = gauges
                .staleness
                .get(plan.channel.as_str())
                .map_or_else(|| "-".to_owned(), |worst| format!("{}s", worst.as_secs()));
            format!(
                "{}: {} accounts every {}s, {:.0} calls/min, worst staleness {worst}",
                plan.channel.as_str(),
                plan.accounts,
                plan.cadence.as_secs(),
                plan.calls_per_minute,
            )
        })
        .collect();
    tracing::info!(
        queued = schedule.fan_out.jobs,
        deferred = schedule.deferred,
        merged = schedule.fan_out.merged,
        not_due = schedule.not_due,
        channels = %channels.join("; "),
        "polling planned"
    );
    let beyond: Vec<String> = schedule
        .plans
        .iter()
        .filter(|plan| plan.accounts > 0 && plan.fitted == crate::polling::Fitted::BeyondMax)
        .map(|plan| {
            format!(
                "{} every {}s",
                plan.channel.as_str(),
                plan.cadence.as_secs()
            )
        })
        .collect();
    if !beyond.is_empty() {
        tracing::warn!(
            channels = %beyond.join("; "),
            "the Allegro budget cannot read every inbox within MARKETDESK_POLL_MAX_EVERY: \
             every inbox is stretched beyond it"
        );
    }
}
