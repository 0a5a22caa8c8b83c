//! The gauges the one-minute tick refreshes: poll lag and worst-case staleness per channel
//! and disconnected integrations. Read from the store, so a stalled poller (a full queue, a marketplace
//! outage, a blocked client id) shows as a growing lag even though it records nothing itself.

use super::polling::phase_key;
use super::scheduler::ChannelPlan;
use super::ServiceError;
use crate::domain::{Channel, ConnectionState};
use crate::metrics;
use crate::polling::next_due_in;
use crate::ports::{PageCursor, Ports};
use crate::repo::{cursors, integrations};
use std::collections::BTreeMap;
use std::time::Duration;

/// What one refresh found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Integrations disconnected (waiting for the seller to connect them again).
    pub disconnected: usize,
    /// Per channel: the longest time since one of its integrations was read successfully.
    pub poll_lag: BTreeMap<&'static str, Duration>,
    /// Per channel planned this tick: the longest time from one of its integrations' last
    /// successful read to its next planned one (the worst-case staleness of a change).
    pub staleness: BTreeMap<&'static str, Duration>,
}

/// A read at exactly a due time counts as that due time's: the next one is a cadence on.
const SAME_INSTANT: chrono::Duration = chrono::Duration::milliseconds(1);

/// Refreshes the gauges without a plan (no staleness).
pub async fn refresh(ports: &Ports) -> Result<Gauges, ServiceError> {
    refresh_with(ports, &[]).await
}

/// Reads every integration (one index query per 500) and the poll cursor of each channel of
/// each polled one (one `get` each), then sets the gauges. An integration never polled yet
/// counts from when it was switched on. With the tick's `plans`, also each account's
/// worst-case staleness: the time from its last read to the next one due after it at the
/// channel's cadence and its phase (about one cadence when on schedule), or its lag when
/// that read is overdue.
pub async fn refresh_with(ports: &Ports, plans: &[ChannelPlan]) -> Result<Gauges, ServiceError> {
    let now = ports.clock.now();
    let mut gauges = Gauges::default();
    let mut lags: Vec<(Channel, Duration)> = Vec::new();
    let mut stalenesses: Vec<(Channel, Duration)> = Vec::new();
    let longest =
        |found: &mut Vec<(Channel, Duration)>, channel: Channel, value: Duration| match found
            .iter_mut()
            .find(|(c, _)| *c == channel)
        {
            Some((_, longest)) => *longest = (*longest).max(value),
            None => found.push((channel, value)),
        };
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = integrations::list_all(&*ports.store, after, 500).await?;
        for integration in page {
            if matches!(integration.connection, ConnectionState::Disconnected { .. }) {
                gauges.disconnected += 1;
            }
            if !integration.should_poll() {
                continue;
            }
            for channel in integration.kind.channels() {
                let cursor = cursors::get(
                    &*ports.store,
                    &integration.tenant_id,
                    &integration.id,
                    *channel,
                )
                .await?;
                let since = cursor.polled_at.unwrap_or(integration.enabled_at);
                let lag = (now - since).to_std().unwrap_or(Duration::ZERO);
                longest(&mut lags, *channel, lag);
                if let Some(plan) = plans.iter().find(|plan| plan.channel == *channel) {
                    let key = phase_key(&integration.tenant_id, &integration.id, *channel);
                    // The gap the plan leaves after the last read (a change right after it
                    // waits that long), or the lag when the next read is overdue.
                    let planned_gap = next_due_in(&key, plan.cadence, since + SAME_INSTANT);
                    longest(&mut stalenesses, *channel, lag.max(planned_gap));
                }
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    metrics::integrations_disconnected(gauges.disconnected);
    for (channel, lag) in lags {
        metrics::poll_lag(channel, lag);
        gauges.poll_lag.insert(channel.as_str(), lag);
    }
    for (channel, staleness) in stalenesses {
        metrics::poll_staleness_worst(channel, staleness);
        gauges.staleness.insert(channel.as_str(), staleness);
    }
    Ok(gauges)
}
