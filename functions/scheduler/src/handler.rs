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

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::IntegrationKind;
    use marketdesk_local::testkit::{seed_connected_integration, temp_backend};

    #[tokio::test]
    async fn sample_tick_queues_jobs_for_connected_integrations() {
        let backend = temp_backend();
        let ports = &backend.ports;
        seed_connected_integration(ports, "t-1", "int-1", IntegrationKind::Empikplace).await;

        let tick: ScheduledEvent =
            serde_json::from_str(include_str!("../../../events/scheduler.json"))
                .expect("events/scheduler.json");
        handle(ports, tick).await.expect("tick");
        let jobs = ports
            .queues
            .poll_jobs
            .receive(10, std::time::Duration::from_secs(30))
            .await
            .expect("receive");
        assert_eq!(jobs.len(), 1);
        assert!(
            jobs[0].body.contains("\"channel\":\"empik_threads\""),
            "{}",
            jobs[0].body
        );
    }
}
