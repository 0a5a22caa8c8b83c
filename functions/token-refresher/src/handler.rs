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
    use marketdesk_core::domain::{ConnectionState, IntegrationKind};
    use marketdesk_core::repo::integrations;
    use marketdesk_local::testkit::{seed_connected_integration, temp_backend};

    #[tokio::test]
    async fn sample_tick_counts_connected_allegro_accounts() {
        let backend = temp_backend();
        let ports = &backend.ports;
        seed_connected_integration(ports, "t-1", "a", IntegrationKind::Allegro).await;
        seed_connected_integration(ports, "t-1", "c", IntegrationKind::Empikplace).await;
        let mut dead =
            seed_connected_integration(ports, "t-1", "b", IntegrationKind::Allegro).await;
        dead.connection = ConnectionState::Disconnected {
            reason: "invalid_grant".into(),
            since: dead.created_at,
        };
        integrations::update(&*ports.store, &dead, 1)
            .await
            .expect("disconnect");

        let tick: ScheduledEvent =
            serde_json::from_str(include_str!("../../../events/token-refresher.json"))
                .expect("events/token-refresher.json");
        assert_eq!(handle(ports, tick).await.expect("tick"), 1);
    }
}
