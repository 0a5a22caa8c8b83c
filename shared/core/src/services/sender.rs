//! The sender: delivers stored replies to the marketplace.

use super::{decode_job, ServiceError};
use crate::jobs::OutboundJob;
use crate::ports::{MarketplaceError, Ports};
use crate::repo::tickets;

/// Handles one outbound job. No marketplace delivery adapter exists in this build yet
/// (issues 4, 5 and 7), so a job for an existing ticket fails as retryable: it stays queued
/// and ends in the dead-letter queue, from where it can be redriven, rather than being lost.
pub async fn run(ports: &Ports, job: &OutboundJob) -> Result<(), ServiceError> {
    let ticket = tickets::get(&*ports.store, &job.tenant_id, &job.ticket_id)
        .await?
        .ok_or_else(|| ServiceError::Gone(format!("ticket {} no longer exists", job.ticket_id)))?;
    Err(ServiceError::Marketplace(MarketplaceError::Unavailable(
        format!(
            "no delivery adapter for {} in this build",
            ticket.value.conversation.kind.source().as_str()
        ),
    )))
}

/// Decodes a queue message body and runs it.
pub async fn handle_body(ports: &Ports, body: &str) -> Result<(), ServiceError> {
    let job: OutboundJob = decode_job(body)?;
    run(ports, &job).await
}
