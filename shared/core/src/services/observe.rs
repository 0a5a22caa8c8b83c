//! The gauges the one-minute tick refreshes: poll lag per channel and disconnected
//! integrations. Read from the store, so a stalled poller (a full queue, a marketplace
//! outage, a blocked client id) shows as a growing lag even though it records nothing itself.

use super::ServiceError;
use crate::domain::{Channel, ConnectionState};
use crate::metrics;
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
}

/// Reads every integration (one index query per 500) and the poll cursor of each channel of
/// each polled one (one `get` each), then sets the gauges. An integration never polled yet
/// counts from when it was switched on.
pub async fn refresh(ports: &Ports) -> Result<Gauges, ServiceError> {
    let now = ports.clock.now();
    let mut gauges = Gauges::default();
    let mut lags: Vec<(Channel, Duration)> = Vec::new();
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
                match lags.iter_mut().find(|(c, _)| c == channel) {
                    Some((_, longest)) => *longest = (*longest).max(lag),
                    None => lags.push((*channel, lag)),
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
    Ok(gauges)
}
