//! The scheduler: one poll job per active, connected integration and channel.

use super::ServiceError;
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
}

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
                let job = PollJob {
                    tenant_id: integration.tenant_id.clone(),
                    integration_id: integration.id.clone(),
                    channel,
                };
                let body = serde_json::to_string(&job)
                    .map_err(|e| ServiceError::Malformed(e.to_string()))?;
                ports.queues.poll_jobs.send(&body, Duration::ZERO).await?;
                report.jobs += 1;
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(report),
        }
    }
}
