//! Decodes the schedule tick and finds the token pairs to look after.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use marketdesk_channels::wiring::Channels;
use marketdesk_core::ports::Ports;
use marketdesk_core::services::token_refresh::{self, RefreshReport};

/// The EventBridge "Scheduled Event" envelope.
pub type ScheduledEvent = EventBridgeEvent<serde_json::Value>;

/// Refreshes the token pairs that expire soon; without an Allegro application configured
/// there is nothing to refresh with, which is reported.
pub async fn handle(
    ports: &Ports,
    channels: &Channels,
    _tick: ScheduledEvent,
) -> Result<RefreshReport, marketdesk_lambda::Error> {
    let Some(refresher) = &channels.refresher else {
        let due = token_refresh::due_integrations(ports).await?;
        tracing::warn!(
            accounts = due.len(),
            "no Allegro application configured: token pairs cannot be refreshed"
        );
        return Ok(RefreshReport {
            accounts: due.len(),
            ..RefreshReport::default()
        });
    };
    let report = token_refresh::run(ports, &**refresher).await?;
    tracing::info!(
        accounts = report.accounts,
        refreshed = report.refreshed,
        disconnected = report.disconnected,
        failed = report.failed,
        "token refresh"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{ConnectionState, IntegrationKind};
    use marketdesk_core::repo::integrations;
    use marketdesk_testkit::backend::{seed_connected_integration, temp_backend};

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
        let channels = Channels::build(
            ports,
            &marketdesk_channels::settings::ChannelSettings::from_env(&Default::default(), None)
                .expect("settings"),
        )
        .expect("channels");
        assert_eq!(
            handle(ports, &channels, tick).await.expect("tick").accounts,
            1
        );
    }
}
