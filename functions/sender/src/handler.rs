//! Decodes outbound jobs and delivers them, reporting failed records to SQS.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::Ports;

/// Handles every record of the batch; failed records are reported for redelivery.
pub async fn handle(ports: &Ports, event: SqsEvent) -> SqsBatchResponse {
    marketdesk_lambda::sqs::process_batch(event, &*ports.queues.outbound, |body| async move {
        marketdesk_core::services::sender::handle_body(ports, &body).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{ConversationKind, ConversationRef, IntegrationKind};
    use marketdesk_core::jobs::InboundEvent;
    use marketdesk_core::services::ingest;
    use marketdesk_local::testkit::{seed_connected_integration, temp_backend};

    #[tokio::test]
    async fn undeliverable_replies_are_reported_for_retry_and_unknown_tickets_dropped() {
        let backend = temp_backend();
        let ports = &backend.ports;
        let event: SqsEvent =
            serde_json::from_str(include_str!("../../../events/sender.json")).expect("SQS event");
        let response = handle(ports, event.clone()).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "the sample's ticket does not exist: dropped"
        );

        // A reply to an existing ticket cannot be delivered yet: reported, so SQS keeps it.
        seed_connected_integration(ports, "t-1", "int-1", IntegrationKind::Allegro).await;
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
            buyer_name: None,
            buyer_emails: Vec::new(),
            panel: Default::default(),
            messages: Vec::new(),
        };
        let ticket = ingest::run(ports, &inbound)
            .await
            .expect("ingest")
            .ticket_id;
        let mut retry = event;
        retry.records.truncate(1);
        retry.records[0].body = Some(format!(
            "{{\"tenant_id\":\"t-1\",\"ticket_id\":\"{ticket}\",\"reply_id\":\"r-1\"}}"
        ));
        let response = handle(ports, retry.clone()).await;
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
