//! Decodes poll jobs and runs them, reporting failed records to SQS.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::{MarketplaceRegistry, Ports};

/// What the handler needs: the ports and the marketplace readers.
pub struct Deps {
    /// Every port.
    pub ports: Ports,
    /// Channel readers available in this build.
    pub marketplaces: MarketplaceRegistry,
}

impl Deps {
    /// Wires the handler's dependencies (no marketplace clients yet: issues 4 and 7).
    pub fn new(ports: Ports) -> Self {
        Self {
            ports,
            marketplaces: MarketplaceRegistry::empty(),
        }
    }
}

/// Handles every record of the batch; failed records are reported for redelivery.
pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    marketdesk_lambda::sqs::process_batch(event, &*deps.ports.queues.poll_jobs, |body| async move {
        marketdesk_core::services::poller::handle_body(&deps.ports, &deps.marketplaces, &body)
            .await
            .map(|_| ())
    })
    .await
}
