//! Decodes outbound jobs and delivers them, reporting failed records to SQS.

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
    marketdesk_lambda::sqs::process_batch(event, &*deps.ports.queues.outbound, |body| async move {
        marketdesk_core::services::sender::handle_body(&deps.ports, &body).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{
        ConnectionState, ConversationKind, ConversationRef, Environment, Integration,
        IntegrationKind,
    };
    use marketdesk_core::jobs::InboundEvent;
    use marketdesk_core::ports::SystemClock;
    use marketdesk_core::repo::integrations;
    use marketdesk_core::services::ingest;
    use std::sync::Arc;

    #[tokio::test]
    async fn undeliverable_replies_are_reported_for_retry_and_unknown_tickets_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock))
            .expect("backend");
        let deps = Deps::new(ports);
        let event: SqsEvent =
            serde_json::from_str(include_str!("../../../events/sender.json")).expect("SQS event");
        let response = handle(&deps, event.clone()).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "the sample's ticket does not exist: dropped"
        );

        // A reply to an existing ticket cannot be delivered yet: reported, so SQS keeps it.
        let mut integration = Integration::new(
            "int-1".into(),
            "t-1".into(),
            IntegrationKind::Allegro,
            "shop",
            Environment::Sandbox,
            chrono::Utc::now(),
        );
        integration.connection = ConnectionState::Connected;
        integrations::create(&*deps.ports.store, &integration)
            .await
            .expect("create");
        let inbound = InboundEvent {
            tenant_id: "t-1".into(),
            integration_id: "int-1".into(),
            conversation: ConversationRef {
                kind: ConversationKind::AllegroClaim,
                external_id: "claim-1".into(),
            },
            subject: "Reklamacja".into(),
            marketplace_status: "CLAIM_SUBMITTED".into(),
            open_for_replies: true,
            buyer_login: "anna".into(),
            order_id: None,
            messages: Vec::new(),
        };
        let ticket = ingest::run(&deps.ports, &inbound)
            .await
            .expect("ingest")
            .ticket_id;
        let mut retry = event;
        retry.records.truncate(1);
        retry.records[0].body = Some(format!(
            "{{\"tenant_id\":\"t-1\",\"ticket_id\":\"{ticket}\",\"reply_id\":\"r-1\"}}"
        ));
        let response = handle(&deps, retry.clone()).await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(
            failed,
            vec![retry.records[0]
                .message_id
                .clone()
                .expect("sample has an id")]
        );
    }
}
