//! Decodes the schedule tick and finds the token pairs to look after.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use marketdesk_core::ports::Ports;
use marketdesk_core::services::token_refresh;

/// The EventBridge "Scheduled Event" envelope.
pub type ScheduledEvent = EventBridgeEvent<serde_json::Value>;

/// Lists the connected Allegro accounts; returns how many hold token pairs.
pub async fn handle(
    ports: &Ports,
    _tick: ScheduledEvent,
) -> Result<usize, marketdesk_lambda::Error> {
    let due = token_refresh::due_integrations(ports).await?;
    // Refreshing itself arrives with the Allegro client (issue 4); until then this only reports.
    tracing::info!(
        accounts = due.len(),
        "connected Allegro accounts with token pairs"
    );
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
    use marketdesk_core::ports::SystemClock;
    use marketdesk_core::repo::integrations;
    use std::sync::Arc;

    #[tokio::test]
    async fn sample_tick_counts_connected_allegro_accounts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock))
            .expect("backend");
        for (id, kind, connected) in [
            ("a", IntegrationKind::Allegro, true),
            ("b", IntegrationKind::Allegro, false),
            ("c", IntegrationKind::Empikplace, true),
        ] {
            let mut integration = Integration::new(
                id.into(),
                "t-1".into(),
                kind,
                id,
                Environment::Sandbox,
                chrono::Utc::now(),
            );
            if connected {
                integration.connection = ConnectionState::Connected;
            }
            integrations::create(&*ports.store, &integration)
                .await
                .expect("create");
        }
        let tick: ScheduledEvent =
            serde_json::from_str(include_str!("../../../events/token-refresher.json"))
                .expect("events/token-refresher.json");
        assert_eq!(handle(&ports, tick).await.expect("tick"), 1);
    }
}
