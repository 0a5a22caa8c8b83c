//! Decodes conversation events and ingests them (and autoresponse wake-ups, which travel on
//! the same queue), reporting failed records to SQS.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::Ports;

/// Handles every record of the batch; failed records are reported for redelivery.
pub async fn handle(ports: &Ports, event: SqsEvent) -> SqsBatchResponse {
    marketdesk_lambda::sqs::process_batch(event, &*ports.queues.inbound, |body| async move {
        marketdesk_core::services::ingest::handle_job(ports, &body).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::IntegrationKind;
    use marketdesk_core::repo::tickets;
    use marketdesk_testkit::backend::{seed_connected_integration, temp_backend};

    #[tokio::test]
    async fn sample_event_creates_one_ticket_even_when_delivered_twice() {
        let backend = temp_backend();
        let ports = &backend.ports;
        seed_connected_integration(ports, "t-1", "int-1", IntegrationKind::Allegro).await;
        let event: SqsEvent = serde_json::from_str(include_str!("../../../events/ingest.json"))
            .expect("events/ingest.json");

        for _ in 0..2 {
            let response = handle(ports, event.clone()).await;
            assert!(response.batch_item_failures.is_empty());
        }
        let (list, _) = tickets::list_recent(&*ports.store, &"t-1".into(), None, 10)
            .await
            .expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].subject, "Przedmiot jest uszkodzony");
        let messages = tickets::messages(&*ports.store, &"t-1".into(), &list[0].id)
            .await
            .expect("messages");
        assert_eq!(messages.len(), 1);
    }
}
