//! Decodes conversation events and ingests them, reporting failed records to SQS.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::Ports;

/// What the handler needs.
pub struct Deps {
    /// Every port.
    pub ports: Ports,
}

impl Deps {
    /// Wires the handler's dependencies.
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }
}

/// Handles every record of the batch; failed records are reported for redelivery.
pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    marketdesk_lambda::sqs::process_batch(event, &*deps.ports.queues.inbound, |body| async move {
        marketdesk_core::services::ingest::handle_body(&deps.ports, &body)
            .await
            .map(|_| ())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
    use marketdesk_core::ports::SystemClock;
    use marketdesk_core::repo::{integrations, tickets};
    use std::sync::Arc;

    #[tokio::test]
    async fn sample_event_creates_one_ticket_even_when_delivered_twice() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock))
            .expect("backend");
        let mut integration = Integration::new(
            "int-1".into(),
            "t-1".into(),
            IntegrationKind::Allegro,
            "shop",
            Environment::Sandbox,
            chrono::Utc::now(),
        );
        integration.connection = ConnectionState::Connected;
        integrations::create(&*ports.store, &integration)
            .await
            .expect("create");
        let deps = Deps::new(ports);
        let event: SqsEvent = serde_json::from_str(include_str!("../../../events/ingest.json"))
            .expect("events/ingest.json");

        for _ in 0..2 {
            let response = handle(&deps, event.clone()).await;
            assert!(response.batch_item_failures.is_empty());
        }
        let (list, _) = tickets::list_recent(&*deps.ports.store, &"t-1".into(), None, 10)
            .await
            .expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].subject, "Przedmiot jest uszkodzony");
        let messages = tickets::messages(&*deps.ports.store, &"t-1".into(), &list[0].id)
            .await
            .expect("messages");
        assert_eq!(messages.len(), 1);
    }
}
