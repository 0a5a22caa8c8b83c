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
