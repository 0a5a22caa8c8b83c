//! Decodes the schedule tick and runs the fan-out.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use marketdesk_channels::wiring::Channels;
use marketdesk_core::ports::Ports;
use marketdesk_core::services::ticks;

/// The EventBridge "Scheduled Event" envelope.
pub type ScheduledEvent = EventBridgeEvent<serde_json::Value>;

/// Queues the poll jobs and finishes confirmed device grants; an error makes Lambda retry
/// the tick (poll jobs are idempotent).
pub async fn handle(
    ports: &Ports,
    channels: &Channels,
    _tick: ScheduledEvent,
) -> Result<(), marketdesk_lambda::Error> {
    let report = ticks::scheduler_tick(ports, &channels.polling, channels.oauth.as_deref()).await?;
    tracing::info!(
        integrations = report.integrations,
        jobs = report.jobs,
        connected = report.connected,
        autoresponses = report.autoresponses,
        autoresponses_skipped = report.autoresponses_skipped,
        "scheduler tick"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::IntegrationKind;
    use marketdesk_core::ports::{Clock, ManualClock, SystemClock};
    use marketdesk_testkit::backend::{seed_connected_integration, temp_backend_with_clock};
    use std::sync::Arc;

    #[tokio::test]
    async fn sample_tick_queues_jobs_for_connected_integrations() {
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let backend = temp_backend_with_clock(clock.clone());
        let ports = &backend.ports;
        seed_connected_integration(ports, "t-1", "int-1", IntegrationKind::Empikplace).await;

        let tick: ScheduledEvent =
            serde_json::from_str(include_str!("../../../events/scheduler.json"))
                .expect("events/scheduler.json");
        let settings =
            marketdesk_channels::settings::ChannelSettings::from_env(&Default::default(), None)
                .expect("settings");
        let channels = Channels::build(ports, &settings).expect("channels");
        handle(ports, &channels, tick).await.expect("tick");
        // Each shop's poll is due at its own offset within the minute.
        clock.set(clock.now() + channels.polling.tick);
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
