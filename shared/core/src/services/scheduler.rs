//! The scheduler: one poll job per active, connected integration and channel, unless one
//! is still queued or running (then it is merged, see `services::polling`).

use super::{polling, ServiceError};
use crate::jobs::PollJob;
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

/// Queues a poll job for every channel of every integration that should be polled.
pub async fn fan_out(ports: &Ports) -> Result<FanOutReport, ServiceError> {
    let mut report = FanOutReport::default();
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = integrations::list_all(&*ports.store, after, 500).await?;
        for integration in page {
            report.integrations += 1;
            if !integration.should_poll() {
                continue;
            }
            for channel in integration.poll_channels() {
                let job = PollJob::new(
                    integration.tenant_id.clone(),
                    integration.id.clone(),
                    channel,
                );
                if polling::queue_poll(ports, job, Duration::ZERO, None, TICK).await? {
                    report.jobs += 1;
                } else {
                    report.merged += 1;
                }
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(report),
        }
    }
}
