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
