//! Decodes poll jobs and runs them, reporting failed records to SQS.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::{MarketplaceRegistry, Ports};
use marketdesk_core::services::polling::PollingSettings;

/// What the handler needs: the ports, the marketplace readers and the polling settings.
pub struct Deps {
    /// Every port.
    pub ports: Ports,
    /// Channel readers available in this build.
    pub marketplaces: MarketplaceRegistry,
    /// How active accounts are re-read.
    pub polling: PollingSettings,
}

impl Deps {
    /// Wires the handler's dependencies with the default polling settings.
    pub fn new(ports: Ports, marketplaces: MarketplaceRegistry) -> Self {
        Self {
            ports,
            marketplaces,
            polling: PollingSettings::new(std::time::Duration::from_secs(60)),
        }
    }

    /// The same with `polling` (read from `MARKETDESK_POLL_*`).
    pub fn with_polling(self, polling: PollingSettings) -> Self {
        Self { polling, ..self }
    }
}

/// Handles every record of the batch; failed records are reported for redelivery.
pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    marketdesk_lambda::sqs::process_batch(event, &*deps.ports.queues.poll_jobs, |body| async move {
        marketdesk_core::services::poller::handle_body_with(
            &deps.ports,
            &deps.marketplaces,
            &body,
            &deps.polling,
        )
        .await
        .map(|_| ())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::IntegrationKind;
    use marketdesk_testkit::backend::{seed_connected_integration, temp_backend};

    fn fixture() -> SqsEvent {
        serde_json::from_str(include_str!("../../../events/poller.json"))
            .expect("events/poller.json is an SQS event")
    }

    #[tokio::test]
    async fn sample_event_runs_and_reports_no_failures() {
        let backend = temp_backend();
        seed_connected_integration(&backend.ports, "t-1", "int-1", IntegrationKind::Allegro).await;
        let deps = Deps::new(backend.ports.clone(), MarketplaceRegistry::empty());

        let response = handle(&deps, fixture()).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "no channel reader yet: jobs finish as NoAdapter"
        );

        let mut garbage = fixture();
        garbage.records[0].body = Some("{\"integration_id\":".into());
        let response = handle(&deps, garbage).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "malformed jobs are dropped, not retried forever"
        );
    }
}
