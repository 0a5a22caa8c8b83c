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
    use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
    use marketdesk_core::ports::SystemClock;
    use marketdesk_core::repo::integrations;
    use std::sync::Arc;

    #[tokio::test]
    async fn sample_tick_queues_jobs_for_connected_integrations() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock))
            .expect("backend");
        let mut integration = Integration::new(
            "int-1".into(),
            "t-1".into(),
            IntegrationKind::Empikplace,
            "Empik shop",
            Environment::Production,
            chrono::Utc::now(),
        );
        integration.connection = ConnectionState::Connected;
        integrations::create(&*ports.store, &integration)
            .await
            .expect("create");

        let tick: ScheduledEvent =
            serde_json::from_str(include_str!("../../../events/scheduler.json"))
                .expect("events/scheduler.json");
        handle(&ports, tick).await.expect("tick");
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
