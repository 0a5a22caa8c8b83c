//! Decodes outbound jobs (replies) and webhook jobs and delivers them, reporting failed
//! records to SQS. The function reads two queues: outbound and webhooks.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::{DeliveryRegistry, Ports, WebhookTransport};
use marketdesk_core::services::{sender, webhooks};
use std::sync::Arc;

/// What the handler needs: the ports, the channels' reply senders and the webhook transport.
pub struct Deps {
    /// The ports.
    pub ports: Ports,
    /// Reply senders per channel.
    pub deliveries: DeliveryRegistry,
    /// Posts webhooks.
    pub webhooks: Arc<dyn WebhookTransport>,
    /// Webhook targets allowed, time-outs, retries.
    pub webhook_settings: webhooks::WebhookSettings,
}

/// Handles every record of the batch; failed records are reported for redelivery. A
/// record is a webhook job when its body says so (`kind`), else a reply job. Only reply
/// failures carry a rate-limit wait, which `process_batch` applies on the outbound queue;
/// webhook retries queue their own delayed follow-up.
pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    marketdesk_lambda::sqs::process_batch(event, &*deps.ports.queues.outbound, |body| async move {
        if webhooks::is_job(&body) {
            webhooks::handle_body(&deps.ports, &*deps.webhooks, &deps.webhook_settings, &body).await
        } else {
            sender::handle_body(&deps.ports, &deps.deliveries, &body)
                .await
                .map(|_| ())
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{ConversationKind, ConversationRef, IntegrationKind, ReplyState};
    use marketdesk_core::jobs::InboundEvent;
    use marketdesk_core::repo::replies;
    use marketdesk_core::services::{ingest, replies as reply_service};
    use marketdesk_testkit::backend::{seed_connected_integration, temp_backend};

    #[tokio::test]
    async fn unknown_replies_are_dropped_and_replies_without_a_channel_fail_visibly() {
        let backend = temp_backend();
        let deps = Deps {
            ports: backend.ports.clone(),
            deliveries: DeliveryRegistry::empty(),
            webhooks: Arc::new(marketdesk_channels::webhooks::HttpWebhookTransport::new()),
            webhook_settings: Default::default(),
        };
        let event: SqsEvent =
            serde_json::from_str(include_str!("../../../events/sender.json")).expect("SQS event");
        let response = handle(&deps, event.clone()).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "the sample's reply does not exist: dropped"
        );

        seed_connected_integration(&deps.ports, "t-1", "int-1", IntegrationKind::Allegro).await;
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
            shop_reply_needed_since: None,
            messages: Vec::new(),
        };
        let ticket = ingest::run(&deps.ports, &inbound)
            .await
            .expect("ingest")
            .ticket_id;
        let reply = reply_service::submit(
            &deps.ports,
            &"t-1".into(),
            &ticket,
            None,
            serde_json::from_str(r#"{"text":"Dzień dobry"}"#).expect("reply"),
        )
        .await
        .expect("stored");
        let mut job = event;
        job.records.truncate(1);
        job.records[0].body = Some(format!(
            "{{\"tenant_id\":\"t-1\",\"ticket_id\":\"{ticket}\",\"reply_id\":\"{}\"}}",
            reply.id
        ));
        let response = handle(&deps, job).await;
        assert!(response.batch_item_failures.is_empty());
        let stored = replies::get(&*deps.ports.store, &"t-1".into(), &ticket, &reply.id)
            .await
            .expect("read")
            .expect("reply");
        assert_eq!(stored.value.state, ReplyState::Failed);
        assert!(stored
            .value
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("cannot send")));
    }
}
