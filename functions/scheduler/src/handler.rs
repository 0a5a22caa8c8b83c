//! Decodes the schedule tick and runs the fan-out.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use marketdesk_core::ports::Ports;
use marketdesk_core::services::scheduler;

/// The EventBridge "Scheduled Event" envelope.
pub type ScheduledEvent = EventBridgeEvent<serde_json::Value>;

/// Queues the poll jobs; an error makes Lambda retry the tick (poll jobs are idempotent).
pub async fn handle(ports: &Ports, _tick: ScheduledEvent) -> Result<(), marketdesk_lambda::Error> {
    let report = scheduler::fan_out(ports).await?;
    tracing::info!(
        integrations = report.integrations,
        jobs = report.jobs,
        "poll jobs queued"
    );
    Ok(())
}
